"""The committed GX files say exactly what checks.gx_context.suites() says."""

from __future__ import annotations

from pathlib import Path

from mtm.checks import gx_context, registry


def test_committed_suites_match_the_code(gx_root: Path) -> None:
    context = gx_context.get_context(gx_root)
    code = gx_context.suites()
    assert {s.name for s in context.suites.all()} == set(code)
    for name, expectations in code.items():
        stored = context.suites.get(name)
        assert sorted(map(gx_context.expectation_signature, stored.expectations)) == sorted(
            map(gx_context.expectation_signature, expectations)), f"run `python -m checks.gx_context` ({name})"
        checkpoint = context.checkpoints.get(name)
        assert [v.suite.name for v in checkpoint.validation_definitions] == [name]
        assert checkpoint.result_format == {"result_format": "COMPLETE"} or \
            getattr(checkpoint.result_format, "value", None) == "COMPLETE"


def test_every_blocking_check_has_a_suite_and_no_warning_has_one() -> None:
    assert set(gx_context.SUITE_NAMES) == {c.name for c in registry.BLOCKING}
    assert not set(gx_context.SUITE_NAMES) & {c.name for c in registry.WARNINGS}


def test_gx_project_is_offline() -> None:
    config = (gx_context.PROJECT_ROOT / "gx" / "great_expectations.yml").read_text(encoding="utf-8")
    assert "analytics_enabled: false" in config
