import pytest

from auditor.licenses.build_fingerprints import scancode_license_text, scancode_licenses_dir


@pytest.fixture(scope="session")
def scancode_text():
    """Reference texts come from the installed ScanCode data at test time; none are committed."""
    if scancode_licenses_dir() is None:
        pytest.skip("ScanCode data not installed")
    return scancode_license_text


def pytest_configure(config):
    # the ScanCode fallback test loads ScanCode's index (seconds): `-m "not slow"` skips it
    config.addinivalue_line("markers", "slow: loads ScanCode's index (deselect with -m 'not slow')")
