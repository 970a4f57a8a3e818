//! Decoding an uploaded image within limits and making its stored sizes. CPU work without IO:
//! the API runs it on the blocking pool, a few at a time (`api::media`).
//!
//! Order matters for safety: the header's dimensions are read first and checked against the
//! pixel limits, so a decompression bomb (a 20,000 × 20,000 PNG of a few kB) is refused before
//! a single row is decoded; the decoder then runs under `image::Limits` as a second fence.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use super::{Sniffed, Variant};

/// How large an image may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelLimits {
    /// Width × height (`GWF_MEDIA_MAX_PIXELS`).
    pub max_pixels: u64,
    /// Longest side (`GWF_MEDIA_MAX_SIDE`).
    pub max_side: u32,
}

/// Why an image is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Larger than the limits (by its header).
    TooLarge { width: u32, height: u32 },
    /// Not a readable image of the type its bytes claim.
    Unreadable(String),
}

/// The stored sizes of an image, each JPEG.
#[derive(Debug)]
pub struct Derived {
    pub width: u32,
    pub height: u32,
    pub objects: Vec<(Variant, Vec<u8>)>,
}

/// JPEG quality of the stored sizes: photos of land, where 82 is indistinguishable from higher
/// at these sizes and a third smaller than 92.
const QUALITY: u8 = 82;

fn format_of(sniffed: Sniffed) -> Option<ImageFormat> {
    match sniffed {
        Sniffed::Jpeg => Some(ImageFormat::Jpeg),
        Sniffed::Png => Some(ImageFormat::Png),
        Sniffed::Webp => Some(ImageFormat::WebP),
        Sniffed::Pdf => None,
    }
}

fn reader(bytes: &[u8], sniffed: Sniffed) -> Result<ImageReader<Cursor<&[u8]>>, Refused> {
    let format = format_of(sniffed).ok_or_else(|| Refused::Unreadable("not an image".into()))?;
    Ok(ImageReader::with_format(Cursor::new(bytes), format))
}

/// Width and height from the header alone, checked against `limits`.
pub fn checked_dimensions(
    bytes: &[u8],
    sniffed: Sniffed,
    limits: PixelLimits,
) -> Result<(u32, u32), Refused> {
    let (width, height) = reader(bytes, sniffed)?
        .into_dimensions()
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    if width == 0 || height == 0 {
        return Err(Refused::Unreadable("the image has no pixels".into()));
    }
    if width > limits.max_side
        || height > limits.max_side
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(Refused::TooLarge { width, height });
    }
    Ok((width, height))
}

/// Decodes the image (after `checked_dimensions`), turns it upright by its EXIF orientation and
/// makes every stored size. Nothing of the upload's metadata survives: the sizes are encoded
/// from pixels.
pub fn derive(bytes: &[u8], sniffed: Sniffed, limits: PixelLimits) -> Result<Derived, Refused> {
    let (width, height) = checked_dimensions(bytes, sniffed, limits)?;
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(limits.max_side);
    decode_limits.max_image_height = Some(limits.max_side);
    // RGBA at 8 bits, plus the decoder's own buffers.
    decode_limits.max_alloc = Some(limits.max_pixels.saturating_mul(4) + (64 << 20));
    let mut reader = reader(bytes, sniffed)?;
    reader.limits(decode_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| Refused::Unreadable(e.to_string()))?;
    image.apply_orientation(orientation);
    let (width, height) = if matches!(
        orientation,
        image::metadata::Orientation::Rotate90
            | image::metadata::Orientation::Rotate270
            | image::metadata::Orientation::Rotate90FlipH
            | image::metadata::Orientation::Rotate270FlipH
    ) {
        (height, width)
    } else {
        (width, height)
    };

    let mut objects = Vec::with_capacity(3);
    // Largest first, each smaller one from the one before: resizing 12 megapixels once.
    let mut source = image;
    for variant in [Variant::Large, Variant::Small, Variant::Thumb] {
        let side = variant.max_side();
        let sized = if source.width() > side || source.height() > side {
            source.resize(side, side, FilterType::Triangle)
        } else {
            source
        };
        objects.push((variant, encode_jpeg(&sized)?));
        source = sized;
    }
    objects.reverse();
    Ok(Derived {
        width,
        height,
        objects,
    })
}

/// RGB JPEG; transparency is laid onto white (site plans exported as PNG).
fn encode_jpeg(image: &DynamicImage) -> Result<Vec<u8>, Refused> {
    let rgb: RgbImage = if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
            let [r, g, b, a] = rgba.get_pixel(x, y).0;
            let over =
                |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
            image::Rgb([over(r), over(g), over(b)])
        })
    } else {
        image.to_rgb8()
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: PixelLimits = PixelLimits {
        max_pixels: 50_000_000,
        max_side: 12_000,
    };

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 120, 40, 128]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn makes_three_jpeg_sizes_within_their_boxes() {
        let derived = derive(&png(1600, 900), Sniffed::Png, LIMITS).unwrap();
        assert_eq!((derived.width, derived.height), (1600, 900));
        let sides: Vec<(u32, u32)> = derived
            .objects
            .iter()
            .map(|(_, bytes)| {
                assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
                image::load_from_memory(bytes)
                    .unwrap()
                    .into_rgb8()
                    .dimensions()
            })
            .collect();
        assert_eq!(sides, vec![(160, 90), (400, 225), (1200, 675)]);
    }

    #[test]
    fn small_images_are_not_enlarged() {
        let derived = derive(&png(100, 50), Sniffed::Png, LIMITS).unwrap();
        for (_, bytes) in &derived.objects {
            let image = image::load_from_memory(bytes).unwrap();
            assert_eq!((image.width(), image.height()), (100, 50));
        }
    }

    #[test]
    fn the_header_decides_before_decoding() {
        let limits = PixelLimits {
            max_pixels: 1000,
            max_side: 100,
        };
        assert_eq!(
            checked_dimensions(&png(200, 2), Sniffed::Png, limits),
            Err(Refused::TooLarge {
                width: 200,
                height: 2
            })
        );
        assert!(matches!(
            derive(b"\x89PNG\r\n\x1a\ngarbage", Sniffed::Png, LIMITS),
            Err(Refused::Unreadable(_))
        ));
    }
}
