"""bench/text_work.py keeps the rest of RESULTS.md and replaces only its own section."""

from bench.text_work import SECTION, write_section


def test_the_section_is_added_once_then_replaced_and_the_rest_kept(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Ratios\n\nP1 0.34\n")

    write_section(results, f"{SECTION}\n\nfirst run\n")
    write_section(results, f"{SECTION}\n\nsecond run\n")

    text = results.read_text()
    assert text.count(SECTION) == 1
    assert "second run" in text and "first run" not in text
    assert text.startswith("# Benchmark results\n\n## Ratios\n\nP1 0.34\n")
