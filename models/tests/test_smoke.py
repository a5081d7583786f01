"""The end-to-end smoke run (`npm run train:smoke`). Slow (a minute or more on a
busy CPU), so it runs only with COMMER_SLOW_TESTS=1."""

import os

import pytest

from models.commer.data import DEFAULT_DATA_DIR, TWEETS_FILE


@pytest.mark.skipif(os.environ.get("COMMER_SLOW_TESTS") != "1", reason="slow: set COMMER_SLOW_TESTS=1")
@pytest.mark.skipif(not (DEFAULT_DATA_DIR / TWEETS_FILE).is_file(), reason="shared data not present")
def test_smoke_pipeline_exports_a_valid_pack(tmp_path):
    import json

    from models.commer.smoke import run

    res = run(tmp_path / "smoke", steps=10)
    pack = tmp_path / "smoke" / "pack"
    man = json.loads((pack / "manifest.json").read_text())
    assert man["compression"]["k"] == 2 and man["evaluation"]["paraphrase"]["commer_by_docs"]
    for name, rec in man["files"].items():
        assert (pack / name).stat().st_size == rec["bytes"]
    assert res["timings"]["export_s"] > 0
