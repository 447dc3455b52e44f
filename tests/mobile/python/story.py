"""A phone app's day, written against the generated Python bindings of zhiban-mobile-ffi, one step per run
(each run a new process, as an app is started and killed). The Rust test (tests/tests/mobile_bindings.rs)
runs the steps, starts and stops the server between them, and checks what the server's API shows.

    story.py STEP DATA_FOLDER SERVER_URL [ARG...]

Each step prints one JSON line per thing it reports. The bindings' folder is $ZHIBAN_BINDINGS.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.environ["ZHIBAN_BINDINGS"])
import zhiban_mobile_ffi as zhiban  # noqa: E402


def say(**fields):
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def password_of(username):
    return os.environ["ZHIBAN_PASSWORD_" + username.upper().replace("-", "_")]


def field_login(client, username):
    """The field reporter logs in while the server is up; the phone then holds the directory."""
    user = client.login(username, password_of(username), "field phone")
    client.sync_now(30)
    check(client.current_user() == user, "current_user() is who logged in")
    check(any(p.person == username for p in client.search_directory("")), "the directory is on the phone")
    found = client.search_directory("东城")
    check(found and all(p.unit == "east" for p in found), f"searching 东城 finds east's people: {found}")
    say(step="logged in", person=user.person, unit=user.unit, name=user.name, roles=user.roles)


def field_report_offline(client, photo):
    """The server is down: the report and its photo are saved on the phone, and the app is killed."""
    try:
        client.sync_now(3)
        raise AssertionError("sync succeeded with the server stopped")
    except zhiban.ZhibanError.Offline as offline:
        offline_reason = offline.reason
    details = zhiban.ReportDetails(
        account="山体滑坡，阻断县道",
        occurred_at=None,
        place="东城区青石村",
        latitude=30.12,
        longitude=120.34,
        nature="地质灾害",
        scope=None,
        casualties=None,
        direct_loss_cny=None,
        trend=None,
        leaders_on_site=None,
        measures="已设警戒线",
        requests=None,
        source=None,
        cause=None,
    )
    report = zhiban.FirstReport(
        title="青石村山体滑坡", unit=None, sensitive=False, details=details, pending=["casualties"]
    )
    filed = client.file_first_report(report)
    check("casualties" in filed.pending, f"casualties left pending: {filed.pending}")
    sha256 = client.attach_photo(filed.incident, photo, filed.entry)
    try:
        client.attach_photo(filed.incident, photo + ".missing", None)
        raise AssertionError("a missing file was attached")
    except zhiban.ZhibanError.InvalidInput as invalid:
        check(invalid.field == "path", f"the error names the field: {invalid}")
    incident = client.incident(filed.incident)
    check(incident.reports[0].label == "首报", f"the first report is 首报: {incident.reports[0].label}")
    check(incident.attachments[0].sha256 == sha256, "the photo is in the incident")
    status = client.status()
    check(status.pending_changes > 0 and status.photos_to_upload == 1, f"waiting for the server: {status}")
    say(step="saved offline", incident=filed.incident, entry=filed.entry, sha256=sha256,
        offline=offline_reason, pending_changes=status.pending_changes)
    # The OS kills the app here (the test sends SIGKILL); nothing after this line runs.
    time.sleep(120)


def field_sync(client):
    """A new start of the app, the server back: what was saved before the kill goes now."""
    status = client.status()
    check(status.pending_changes > 0, f"the outbox survived the kill: {status}")
    check(status.photos_to_upload == 1, f"the photo waits too: {status}")
    report = client.sync_for(30)
    check(report.finished, f"everything sent: {report}")
    say(step="synced", pending_before=status.pending_changes, milliseconds=report.milliseconds_used,
        pending_after=report.pending_changes, photos_after=report.photos_to_upload)


def leader_login(client, username, endpoint, p256dh, auth):
    """The leader logs in on their phone and registers it for pushes."""
    user = client.login(username, password_of(username), "leader phone")
    check(len(client.vapid_public_key()) > 40, "the server's VAPID key")
    client.register_push(endpoint, p256dh, auth)
    client.sync_now(30)
    check(client.pending_acknowledgements() == [], "nothing to acknowledge yet")
    say(step="logged in", person=user.person, roles=user.roles)


class Heard(zhiban.AlertListener, zhiban.DocumentListener, zhiban.SyncStatusListener):
    def __init__(self):
        self.lock = threading.Lock()
        self.alerts, self.documents, self.statuses = [], [], []

    def on_alert(self, alert):
        with self.lock:
            self.alerts.append(alert)

    def on_document_changed(self, document):
        with self.lock:
            self.documents.append(document)

    def on_sync_status(self, status):
        with self.lock:
            self.statuses.append(status)

    def wait_for(self, what, test, seconds=15):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with self.lock:
                if test(self):
                    return
            time.sleep(0.1)
        raise AssertionError(f"the listener never heard {what}")


def leader_push(client, payload):
    """A push wakes the phone: the alert is shown, its instruction fetched and signed for."""
    heard = Heard()
    subscriptions = [
        client.subscribe_alerts(heard),
        client.subscribe_documents(heard),
        client.subscribe_sync_status(heard),
    ]
    alert = client.handle_push(payload)
    check(alert.kind == "instruction" and alert.document_on_phone, f"the instruction came with the push: {alert}")
    heard.wait_for("the instruction's document", lambda h: alert.document in h.documents)
    heard.wait_for("the alert in the home", lambda h: any(a.alert == alert.alert for a in h.alerts))
    heard.wait_for("a sync status", lambda h: len(h.statuses) > 0)
    pending = client.pending_acknowledgements()
    check([p.instruction for p in pending] == [alert.document], f"the instruction waits for him: {pending}")
    instruction = client.instruction(alert.document)
    client.acknowledge_alert(alert)
    check(client.pending_acknowledgements() == [], "signed for on the phone")
    client.sync_now(30)
    signed = client.instruction(alert.document)
    acks = [a for r in signed.recipients for a in r.acknowledgements]
    check(acks and acks[0].server_received_at is not None, f"the server stamped the receipt: {acks}")
    for subscription in subscriptions:
        subscription.cancel()
    try:
        client.handle_push("{not json")
        raise AssertionError("a bad payload was taken")
    except zhiban.ZhibanError.InvalidInput as invalid:
        check(invalid.field == "payload", f"the error names the payload: {invalid}")
    say(step="acknowledged", instruction=alert.document, text=instruction.text, alert=alert.alert,
        title_class=alert.title_class, urgency=alert.urgency, heard_statuses=len(heard.statuses))


def logout(client):
    client.logout(False)
    check(client.current_user() is None, "nobody is logged in")
    try:
        client.sync_now(5)
        raise AssertionError("synced after logging out")
    except (zhiban.ZhibanError.LoginRequired, zhiban.ZhibanError.Offline, zhiban.ZhibanError.RejectedByServer) as e:
        say(step="logged out", sync_refused=type(e).__name__)


def main():
    step, folder, server = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    client = zhiban.ZhibanClient(folder, server)
    if step == "field-login":
        field_login(client, *args)
    elif step == "field-report-offline":
        field_report_offline(client, *args)
    elif step == "field-sync":
        field_sync(client)
    elif step == "leader-login":
        leader_login(client, *args)
    elif step == "leader-push":
        leader_push(client, *args)
    elif step == "logout":
        logout(client)
    else:
        raise SystemExit(f"no step {step!r}")


if __name__ == "__main__":
    main()
