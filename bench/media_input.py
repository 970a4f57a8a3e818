"""Writes N different 12-megapixel JPEGs (4000 x 3000, quality 90) that look like photos of
land: a sky, fields with texture and noise, so the encoder has real work. Usage:
media_input.py OUT_DIR N. Also prints the sizes of the 1200 px size as JPEG (q82) and as
lossless WebP, the reason docs/media.md gives for serving no WebP."""
import io
import random
import sys

from PIL import Image, ImageDraw, ImageFilter

out, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    rnd = random.Random(i)
    img = Image.new("RGB", (4000, 3000))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, 4000, 1000], fill=(120 + i, 165, 225))
    x = 0
    while x < 4000:
        w = rnd.randint(150, 500)
        d.polygon([(x, 1000), (x + w, 1000), (x + w + 300, 3000), (x + 300, 3000)],
                  fill=(rnd.randint(80, 170), rnd.randint(110, 170), rnd.randint(50, 100)))
        x += w
    noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
    img = Image.blend(img, noise, 0.25).filter(ImageFilter.GaussianBlur(0.6))
    img.save(f"{out}/photo-{i}.jpg", quality=90)
    if i == 0:
        small = img.resize((1200, 900), Image.BILINEAR)
        jpeg, webp = io.BytesIO(), io.BytesIO()
        small.save(jpeg, "JPEG", quality=82)
        small.save(webp, "WEBP", lossless=True)
        print(f"1200 px: JPEG q82 {len(jpeg.getvalue())} bytes, lossless WebP {len(webp.getvalue())} bytes")
