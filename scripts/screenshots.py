"""The README's screenshots of the site, made again: ``.venv/bin/python scripts/screenshots.py``.

Builds this repository's site (and, for the comparison, the generated 6-version site of the
tests: the Videxio policy has two versions, whose comparison is the change page), serves each on
127.0.0.1 and photographs it in Debian's Chromium:

    docs/screenshots/change-page.png   /privacy/changes/1.1/, changes only, 1280 px
    docs/screenshots/compare.png       /privacy/versions/?from=1.0&to=3.0, 1280 px
    docs/screenshots/phone-home.png    /, 390 px, dark scheme

Viewport shots at a device scale of 1, so the PNGs stay small.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.site_support import synthetic_site, videxio_site  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


def shoot(browser: Browser, url: str, name: str, *, width: int, height: int, dark: bool) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=1,
        color_scheme="dark" if dark else "light",
        is_mobile=width < 600,
        reduced_motion="reduce",  # no half-faded header title caught mid-transition
    )
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    top = {"?from=": "compare", "/changes/": "redline"}
    for part, anchor in top.items():
        if part in url:
            if anchor == "compare":
                page.locator(".policysite-compare-summary").filter(has_text="words").wait_for()
            # one scroll down, leaving room for the header bar (scrolling up shows "Back to top")
            page.evaluate(
                f"window.scrollTo(0, document.getElementById('{anchor}')"
                ".getBoundingClientRect().top + window.scrollY - 70)"
            )
            break
    page.wait_for_timeout(1500)  # the header's title changes after a scroll
    page.screenshot(path=OUT / name)
    context.close()
    print(f"{OUT.relative_to(ROOT) / name}: {(OUT / name).stat().st_size // 1024} KiB")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="policysite-shots-") as tmp:
        videxio = videxio_site(Path(tmp) / "videxio")
        synthetic = synthetic_site(Path(tmp) / "synthetic")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            shoot(
                browser,
                videxio.url + "privacy/changes/1.1/",
                "change-page.png",
                width=1280,
                height=760,
                dark=False,
            )
            shoot(
                browser,
                synthetic.url + "privacy/versions/?from=1.0&to=3.0",
                "compare.png",
                width=1280,
                height=760,
                dark=False,
            )
            shoot(browser, videxio.url, "phone-home.png", width=390, height=760, dark=True)
            browser.close()


if __name__ == "__main__":
    main()
