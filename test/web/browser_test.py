#!/usr/bin/python3
"""The quarantine console in a real browser: Debian's chromium, driven by
chromium-driver through python3-selenium (all three from Debian, so their
versions always match). Run by CTest (test/CMakeLists.txt, test web.browser).

It starts what an operator starts: a quarantine filled by `mugai mail`, an
account made with `mugai web user add`, mugai-web over HTTPS with a
certificate from `mugai tls-cert`, and an SMTP sink as the release relay
(test/tools/smtp_sink.py). First, as the clerk who got the mail would: open
the release-request link of the notice `mugai mail` wrote and file a request.
Then, as an administrator would: log in, search for a Japanese subject, open
the item, release it, and check that the mail arrives at the sink
re-sanitized (Python's email package reads it: the HTML part is gone, the
Japanese subject is intact); approve the clerk's request and check that the
clerk gets the release and the outcome by mail; read the audit log; switch
to English; log out. Each page is saved as a screenshot under
ARTIFACTS/ (test artefacts; README's screenshots are taken from them).

Usage: browser_test.py BUILD_DIR SOURCE_DIR ARTIFACTS_DIR
"""
import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from web_process import free_port, start_web

build, source, artifacts = sys.argv[1], sys.argv[2], sys.argv[3]
mugai = os.path.join(build, "cli", "mugai")
mugai_web = os.path.join(build, "web", "mugai-web")
password = "correct horse battery staple"
work = tempfile.mkdtemp(prefix="mugai-browser-")
os.makedirs(artifacts, exist_ok=True)
procs = []


def fail(why):
    print("FAIL:", why)
    sys.exit(1)


def run(args, stdin=None):
    r = subprocess.run(args, input=stdin, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        fail(" ".join(args) + " exited " + str(r.returncode) + ": " + r.stderr)
    return r


try:
    sink_dir = os.path.join(work, "sink")
    os.makedirs(sink_dir)
    sink = subprocess.Popen([sys.executable, os.path.join(source, "test", "tools", "smtp_sink.py"), sink_dir],
                            stdout=subprocess.PIPE, text=True)
    procs.append(sink)
    sink_port = int(sink.stdout.readline())

    run([mugai, "tls-cert", "--cert", os.path.join(work, "cert.pem"), "--key", os.path.join(work, "key.pem")])
    run([mugai, "web", "key", "-o", os.path.join(work, "console.key")])
    # The console's port is chosen first: the notices name its URL.
    port = free_port()
    config = os.path.join(work, "mugai.toml")
    with open(config, "w") as f:
        f.write('[quarantine]\ndir = "%s"\nrelease_relay = "127.0.0.1:%d"\n'
                '[notice]\nconsole_url = "https://127.0.0.1:%d"\nconsole_key_file = "%s"\n'
                '[web]\nlisten = "127.0.0.1:%d"\ntls_cert = "%s"\ntls_key = "%s"\nnotify_to = ["kanri@example.lg.jp"]\n'
                % (os.path.join(work, "q"), sink_port, port, os.path.join(work, "console.key"), port,
                   os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")))
    # A phishing mail (HTML only, Shift_JIS subject): mugai converts it and keeps the original.
    sample = os.path.join(source, "samples", "mail", "05-html-only-phishing.eml")
    r = run([mugai, "mail", "-c", config, sample, "-o", os.path.join(work, "out.eml")])
    if "original kept in quarantine" not in r.stdout + r.stderr:
        fail("the sample was not quarantined: " + r.stdout + r.stderr)
    with open(os.path.join(work, "out.eml"), "rb") as f:
        delivered = email.message_from_binary_file(f, policy=email.policy.default)
    notice = "".join(p.get_content() for p in delivered.walk() if p.get_content_type() == "text/plain")
    links = re.findall(r"https://127\.0\.0\.1:\d+/request/[0-9a-f]{32}\?until=\d+&sig=[0-9a-f]{64}", notice)
    if len(links) != 1:
        fail("the notice has no request link: " + notice)
    run([mugai, "web", "-c", config, "user", "add", "kanri", "--role", "admin"], stdin=password + "\n")

    web, url = start_web(mugai_web, config, os.path.join(work, "web.log"))
    procs.append(web)
    if not url:
        with open(os.path.join(work, "web.log")) as log:
            fail("mugai-web did not start: " + log.read())

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--ignore-certificate-errors", "--window-size=1280,900", "--lang=ja"):
        options.add_argument(arg)
    options.set_capability("acceptInsecureCerts", True)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)

    def shot(name):
        driver.save_screenshot(os.path.join(artifacts, name + ".png"))

    def wait_id(element_id):
        WebDriverWait(driver, 90).until(lambda d: d.find_elements(By.ID, element_id))

    def sink_mail():
        out = []
        for name in sorted(os.listdir(sink_dir), key=lambda n: int(n.split(".")[0])):
            if name.endswith(".json"):
                with open(os.path.join(sink_dir, name)) as f:
                    envelope = json.load(f)
                with open(os.path.join(sink_dir, name[:-5] + ".eml"), "rb") as f:
                    out.append((envelope, email.message_from_binary_file(f, policy=email.policy.default)))
        return out

    def wait_mail(count):
        deadline = time.time() + 30
        while time.time() < deadline and len(sink_mail()) < count:
            time.sleep(0.2)
        got = sink_mail()
        if len(got) < count:
            fail("expected %d mails at the sink, got %d" % (count, len(got)))
        return got

    try:
        # The clerk: the notice's link, a request with a reason.
        driver.get(links[0])
        shot("0-request")
        driver.find_element(By.NAME, "address").send_keys("kaikei@example.lg.jp")
        driver.find_element(By.NAME, "reason").send_keys("取引先からの請求書の確認に必要です")
        driver.find_element(By.CSS_SELECTOR, "#request button").click()
        wait_id("outcome")
        if "申請を受け付けました" not in driver.find_element(By.ID, "outcome").text:
            fail("the request was not accepted: " + driver.page_source[:2000])
        shot("0-request-sent")
        mails = wait_mail(1)
        if mails[0][0]["to"] != ["kanri@example.lg.jp"]:
            fail("the administrators were not told: " + str(mails[0][0]))

        driver.get(url + "/items")
        if "/login" not in driver.current_url:
            fail("no redirect to the login page: " + driver.current_url)
        shot("1-login")
        driver.find_element(By.NAME, "user").send_keys("kanri")
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form.login button").click()
        WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/items"))
        if not driver.current_url.endswith("/items"):
            fail("login did not lead to the list: " + driver.current_url + "\n" + driver.page_source[:2000])
        cookies = {c["name"]: c for c in driver.get_cookies()}
        session = cookies.get("__Host-mugai")
        if not session or not session["secure"] or not session["httpOnly"] or session.get("sameSite") != "Strict":
            fail("the session cookie is not Secure, HttpOnly, SameSite=Strict: " + str(session))

        # Search by a Japanese word of the subject (【重要】アカウント確認のお願い).
        box = driver.find_element(By.NAME, "subject")
        box.send_keys("アカウント確認")
        driver.find_element(By.CSS_SELECTOR, "#search button").click()
        WebDriverWait(driver, 30).until(lambda d: "subject=" in d.current_url)
        links = driver.find_elements(By.CSS_SELECTOR, "table.items a")
        if len(links) != 1 or "アカウント確認のお願い" not in links[0].text:
            fail("search did not find the Japanese subject: " + driver.page_source[:3000])
        shot("2-search")
        links[0].click()
        wait_id("release")
        if "【重要】アカウント確認のお願い" not in driver.find_element(By.CSS_SELECTOR, "table.meta").text:
            fail("the detail page lacks the decoded subject")
        shot("3-detail")

        # Release, re-sanitized, to a chosen recipient (mugai mail recorded no envelope).
        form = driver.find_element(By.ID, "release")
        form.find_element(By.NAME, "to").send_keys("kaikei@example.lg.jp")
        form.find_element(By.TAG_NAME, "button").click()
        wait_id("outcome")  # the release runs a job worker: slow on a busy machine
        outcome = driver.find_element(By.ID, "outcome").text
        shot("4-released")
        if outcome != "解放しました":
            fail("release outcome: " + driver.page_source[:3000])
        envelope, released = wait_mail(2)[1]
        types = [p.get_content_type() for p in released.walk()]
        if "text/html" in types:
            fail("the released mail still has HTML: " + str(types))
        if "アカウント確認のお願い" not in str(released["Subject"]):
            fail("the released subject is wrong: " + str(released["Subject"]))
        if envelope["to"] != ["kaikei@example.lg.jp"]:
            fail("the release went to the wrong recipient: " + str(envelope))

        # The clerk's request: approve it; the clerk gets the release and the outcome.
        driver.find_element(By.LINK_TEXT, "解放申請").click()
        WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/requests"))
        if "取引先からの請求書の確認に必要です" not in driver.page_source:
            fail("the request is not in the queue")
        shot("4b-requests")
        driver.find_element(By.CSS_SELECTOR, "button.approve").click()
        # page_source, not an element's text: the page may change under a held element.
        WebDriverWait(driver, 60).until(lambda d: "承認・解放済み" in d.page_source)
        shot("4c-approved")
        mails = wait_mail(4)
        to_clerk = [m for e, m in mails[2:] if e["to"] == ["kaikei@example.lg.jp"]]
        if len(to_clerk) != 2:
            fail("the clerk did not get both the release and the outcome: " + str([e for e, m in mails]))
        subjects = [str(m["Subject"]) for m in to_clerk]
        if not any("解放申請の結果" in s for s in subjects) or not any("アカウント確認のお願い" in s for s in subjects):
            fail("unexpected mails to the clerk: " + str(subjects))

        driver.find_element(By.LINK_TEXT, "監査ログ").click()
        WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/audit"))
        audit = driver.find_element(By.CSS_SELECTOR, "table.audit").text
        if "release" not in audit or "kanri" not in audit:
            fail("the audit log lacks the release: " + audit)
        shot("5-audit")

        driver.find_element(By.ID, "lang").click()
        WebDriverWait(driver, 30).until(lambda d: "Audit log" in d.page_source)
        if "Audit log" not in driver.page_source:
            fail("English was not switched on")
        shot("6-audit-en")
        driver.find_element(By.LINK_TEXT, "Quarantine").click()
        WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/items"))
        shot("7-list-en")
        driver.find_element(By.ID, "logout").click()
        WebDriverWait(driver, 30).until(lambda d: "/login" in d.current_url)
        driver.get(url + "/items")
        if "/login" not in driver.current_url:
            fail("still logged in after logout")
    finally:
        driver.quit()
    print("browser test: ok; screenshots in", artifacts)
finally:
    for p in procs:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(work, ignore_errors=True) if not os.environ.get("KEEP") else print(work)
