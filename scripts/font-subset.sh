#!/usr/bin/env bash
# Rebuild web/fonts/DejaVuSans-subset.ttf, the one font the service draws text with in the
# preview images it renders (src/api/views/plot_image.rs). From Debian's fonts-dejavu-core and
# PyPI's fonttools, cut to Latin-1 and a few typographic signs (about 5 % of the whole font, so
# the binary stays small). Run from the checkout's root; the result is committed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
if [[ ! -f $SRC ]]; then
  echo "needs Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core)" >&2
  exit 1
fi
VENV=${VENV:-.venv}
[[ -x $VENV/bin/pyftsubset ]] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q 'fonttools==4.68.0'; }
# Printable ASCII, Latin-1, thin and narrow no-break spaces, dashes, ellipsis, euro sign.
"$VENV/bin/pyftsubset" "$SRC" \
  --unicodes='U+0020-007E,U+00A0-00FF,U+2009,U+202F,U+2013,U+2014,U+2026,U+20AC' \
  --layout-features='' --no-hinting --desubroutinize \
  --output-file=web/fonts/DejaVuSans-subset.ttf
cp /usr/share/doc/fonts-dejavu-core/copyright web/fonts/DejaVuSans-LICENSE.txt
ls -l web/fonts/DejaVuSans-subset.ttf
