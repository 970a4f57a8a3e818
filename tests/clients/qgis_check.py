"""QGIS, headless, the way a town's GIS staff use it: open the OAPIF layer `plots`, count
features, read one attribute. Run with Debian's python3 (python3-qgis), QT_QPA_PLATFORM=offscreen.
Usage: python3 qgis_check.py BASE_URL EXPECTED_COUNT
"""

import os
import sys

from qgis.core import QgsApplication, QgsVectorLayer

BASE, EXPECTED = sys.argv[1].rstrip("/"), int(sys.argv[2])
app = QgsApplication([], False)
app.initQgis()
code = 1
try:
    layer = QgsVectorLayer(f"url='{BASE}' typename='plots' pagingEnabled='true'", "plots", "OAPIF")
    assert layer.isValid(), layer.error().summary()
    features = list(layer.getFeatures())
    assert len(features) == EXPECTED, (len(features), EXPECTED)
    reference = features[0]["reference"]
    assert isinstance(reference, str) and reference, reference
    print(f"ok: QGIS opened plots: {len(features)} features, first reference {reference}")
    code = 0
except AssertionError as e:
    print(f"FAIL: QGIS: {e}", file=sys.stderr)
finally:
    sys.stdout.flush()
    sys.stderr.flush()
    # QGIS 3.22 may crash (SIGSEGV) in its Qt teardown after an OAPIF layer was read (seen in CI
    # after every check had passed). The verdict is in by now: end without the teardown.
    os._exit(code)
