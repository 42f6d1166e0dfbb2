"""A person's first look, in a real headless Chromium against the real server: admin sign-in works and the
Swagger UI lists the endpoints with every asset served by the platform itself (no CDN, no network)."""

from pathlib import Path
from urllib.parse import urlparse

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_swagger_ui_lists_the_endpoints_from_local_assets_only(live_platform, browser):
    browser.get(f"{live_platform}/api/docs/")
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))

    paths = {element.text for element in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "swagger-ui.png"))

    assert "/api/v1/me/" in {p.replace("\u200b", "") for p in paths}
    assert "/api/v1/auth/token/" in {p.replace("\u200b", "") for p in paths}
    assert resources, "the page loaded no assets at all"
    assert {urlparse(url).netloc for url in resources} == {urlparse(live_platform).netloc}


def test_admin_sign_in_works(live_platform, browser, settings):
    from django.contrib.auth import get_user_model

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    get_user_model().objects.create_superuser(email="staff@example.com", password="staff-pass-for-the-test-1")

    browser.get(f"{live_platform}/admin/")
    browser.find_element(By.NAME, "username").send_keys("staff@example.com")
    browser.find_element(By.NAME, "password").send_keys("staff-pass-for-the-test-1")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 15).until(ec.presence_of_element_located((By.ID, "site-name")))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "admin.png"))

    assert "Site administration" in browser.page_source
    assert "Users" in browser.page_source
