#!/usr/bin/env python3
"""Alert ingest: tocsin vs Debian's prometheus-alertmanager, side by side.

POSTs N distinct alerts (default 100k, in 1000 aggregation groups, group_wait 10s so
each group's first notification carries all its alerts) to /api/v2/alerts in
batches of 64 to each server in turn, both routing to a webhook sink served by this script,
and reports CPU seconds (utime+stime from /proc/PID/stat, from just before the first POST until
the groups have been notified or the settle time ran out; "cpu post" is the part spent until the
last POST was answered, i.e. ingestion before any group flushes, measured the same way for both
servers) and peak RSS (VmHWM); the summary gives tocsin ÷ Alertmanager for both CPU figures. Runs once
without and once with an inhibit rule (critical suppresses warning, equal [alertname, instance];
half the alerts are critical). Every run is bounded (--run-timeout, default 120s).

Only 127.0.0.1 is used. Usage:
  alert_ingest_bench.py --tocsin build/tocsin [--alertmanager /usr/bin/prometheus-alertmanager]
                        [--alerts 100000] [--run-timeout 120]
"""
import argparse, datetime, http.client, http.server, json, os, shutil, socket, subprocess
import sys, tempfile, threading, time

BATCH = 64
GROUPS = 1000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096  # every group flushes at once: do not refuse connections

    def __init__(self):
        self.lock = threading.Lock()
        self.groups = {}  # path -> set of groupKey
        self.alerts = {}  # path -> alerts in notifications
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(n) or b"{}")
                with outer.lock:
                    outer.groups.setdefault(self.path, set()).add(body.get("groupKey", ""))
                    outer.alerts[self.path] = outer.alerts.get(self.path, 0) + len(
                        body.get("alerts", []))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        super().__init__(("127.0.0.1", 0), H)

    def seen(self, path):
        with self.lock:
            return len(self.groups.get(path, ())), self.alerts.get(path, 0)


def config(sink_port, path, inhibit):
    c = f"""route:
  receiver: sink
  group_by: [alertname, group]
  group_wait: 10s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: sink
    webhook_configs:
      - url: http://127.0.0.1:{sink_port}{path}
        max_alerts: 0
"""
    if inhibit:
        c += """inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, instance]
"""
    return c


def make_batches(n):
    now = datetime.datetime.now(datetime.timezone.utc)
    ends = (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    batches, cur = [], []
    for i in range(n):
        pair = i // 2
        cur.append({
            "labels": {"alertname": f"Alert{pair % 10}", "group": f"g{pair % GROUPS}",
                       "instance": f"inst{pair}",
                       "severity": "critical" if i % 2 == 0 else "warning"},
            "annotations": {"summary": f"alert {i}"},
            "endsAt": ends,  # no startsAt: the server stamps receipt, so group_wait applies
            "generatorURL": "http://bench/graph"})
        if len(cur) == BATCH:
            batches.append(json.dumps(cur).encode())
            cur = []
    if cur:
        batches.append(json.dumps(cur).encode())
    return batches


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def wait_ready(port, proc, deadline):
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/-/ready")
            if c.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def run(name, argv, port, sink, path, batches, expect_groups, timeout):
    start = time.monotonic()
    deadline = start + timeout
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_ready(port, proc, min(deadline, start + 30)):
            log.seek(0)
            raise RuntimeError(f"{name} not ready: {log.read()[-2000:].decode(errors='replace')}")
        cpu0 = cpu_seconds(proc.pid)
        t0 = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for b in batches:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: run timeout while posting")
            conn.request("POST", "/api/v2/alerts", b, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"{name}: POST answered {r.status}")
        post_s = time.monotonic() - t0
        cpu_post = cpu_seconds(proc.pid) - cpu0  # ingestion alone: before the groups flush
        settle_end = deadline  # wait for the notifications, within the run's bound
        while time.monotonic() < settle_end and sink.seen(path)[0] < expect_groups:
            time.sleep(0.1)
        time.sleep(2)  # let the last flushes finish
        groups, alerts = sink.seen(path)
        settle_s = time.monotonic() - t0 - post_s
        return {"name": name, "complete": groups >= expect_groups, "settle_s": settle_s,
                "cpu_s": cpu_seconds(proc.pid) - cpu0, "cpu_post_s": cpu_post,
                "hwm_mb": vm_hwm_mb(proc.pid), "post_s": post_s,
                "groups": groups, "alerts_notified": alerts}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tocsin", required=True)
    ap.add_argument("--alertmanager", default="/usr/bin/prometheus-alertmanager")
    ap.add_argument("--alerts", type=int, default=100_000)
    ap.add_argument("--run-timeout", type=float, default=120)
    ap.add_argument("--inhibit", choices=["both", "no", "yes"], default="both",
                    help="run without the inhibit rule, with it, or both (default)")
    a = ap.parse_args()

    sink = Sink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    batches = make_batches(a.alerts)
    have_am = os.path.exists(a.alertmanager)
    if not have_am:
        print(f"# {a.alertmanager} not found: tocsin only")
    results = []
    modes = {"both": (False, True), "no": (False,), "yes": (True,)}[a.inhibit]
    for inhibit in modes:
        for who in ("tocsin", "alertmanager"):
            if who == "alertmanager" and not have_am:
                continue
            d = tempfile.mkdtemp(prefix="ingest-")
            try:
                path = f"/{who}/{'inhibit' if inhibit else 'plain'}"
                cfg = os.path.join(d, "config.yml")
                with open(cfg, "w") as f:
                    f.write(config(sink.server_port, path, inhibit))
                port = free_port()
                if who == "tocsin":
                    argv = [a.tocsin, "run", f"--config={cfg}",
                            f"--web.listen-address=127.0.0.1:{port}",
                            f"--storage.path={d}/data", "--log.level=warn"]
                else:
                    argv = [a.alertmanager, f"--config.file={cfg}",
                            f"--web.listen-address=127.0.0.1:{port}",
                            "--cluster.listen-address=", f"--storage.path={d}/data",
                            "--log.level=warn"]
                r = run(who, argv, port, sink, path, batches, GROUPS, a.run_timeout)
                r["inhibit"] = inhibit
                results.append(r)
                print(json.dumps(r), flush=True)
            finally:
                shutil.rmtree(d, ignore_errors=True)

    print(f"\n{a.alerts} alerts, batches of {BATCH}, {GROUPS} groups")
    print(f"{'server':14} {'inhibit':8} {'cpu s':>8} {'cpu post':>9} {'peak RSS MB':>12} {'post s':>8} "
          f"{'groups':>7} {'alerts notified':>16} {'post→notified s':>16}")
    for r in results:
        print(f"{r['name']:14} {str(r['inhibit']):8} {r['cpu_s']:8.2f} {r['cpu_post_s']:9.2f} {r['hwm_mb']:12.1f} "
              f"{r['post_s']:8.2f} {r['groups']:7d} {r['alerts_notified']:16d} "
              f"{r['settle_s']:15.1f}{'' if r['complete'] else '!'}")
    print("! = not every group notified within --run-timeout (CPU is a lower bound)")
    print("cpu post = CPU seconds until the last POST was answered (ingestion; group_wait is 10s)")
    for inhibit in (False, True):
        t = [r for r in results if r["inhibit"] == inhibit and r["name"] == "tocsin"]
        m = [r for r in results if r["inhibit"] == inhibit and r["name"] == "alertmanager"]
        if t and m and m[0]["cpu_s"] > 0 and m[0]["hwm_mb"] > 0:
            t, m = t[0], m[0]
            post = (f"{t['cpu_post_s'] / m['cpu_post_s']:.2f}x" if m["cpu_post_s"] > 0 else "n/a")
            print(f"inhibit={inhibit}: tocsin/alertmanager CPU until the last POST {post},"
                  f" CPU total {t['cpu_s'] / m['cpu_s']:.2f}x"
                  f"{'' if m['complete'] else ' (alertmanager incomplete: upper bound)'},"
                  f" peak RSS {t['hwm_mb'] / m['hwm_mb']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
