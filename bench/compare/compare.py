#!/usr/bin/env python3
"""tocsin vs Prometheus 2.42 + Alertmanager 0.25 on the same targets, rules and routing.

For each size (idle, small, medium) this starts the bench exporter once, writes one set of
configuration files (gen_config.py), and then runs the two sides one after the other, alternating
which goes first, --repeats times. Each run lasts --duration seconds after start-up, and measures:

  cpu_s         utime+stime of the server process(es) from /proc/PID/stat at the end of the run
                (start-up included); peers = Prometheus + Alertmanager
  peak_rss_mb   VmHWM at the end of the run; peers = sum of both
  steady_rss_mb mean VmRSS sampled every 5 s over the second half of the run; peers = sum
  eval_s        summed rule-group evaluation time: for each group the median evaluationTime of
                /api/v1/rules over the distinct evaluations seen in the second half, summed over
                the groups (Prometheus only for the peers: it evaluates the rules)
  slowest_s     the slowest group's median evaluation time
  ready_s       spawn to the first 200 of /-/ready, polled every 2 ms; peers = max of the two,
                each started on its own (Alertmanager first, Prometheus next): the median of
                --startup-samples separate starts after each run, 2 s apart, each stopped
                once ready (ready_in_run_s: the run's own start, one noisy sample)
  notify_delay  per group key, the first firing notification's arrival at the webhook sink minus
                (earliest startsAt of its alerts + group_wait): median and max, seconds
  alerts        the label sets firing on /api/v1/alerts at the end; must equal on both sides
                (and equal the set gen_config.py expects)

Then, once per repeat, bench/alert_ingest_bench (100k alerts in batches of 64 to
POST /api/v2/alerts, no inhibit rule) gives the ingest CPU ratio.

Every wait is bounded; every process is started here and stopped here; 127.0.0.1 only. The
summary prints tocsin ÷ peers per metric as median (min–max) over the repeats, with the machine's
load average at each run. A JSON file with every run's figures is written with --json.

A/B mode: --baseline OTHER_TOCSIN runs that tocsin binary as the other side instead of the peers
(same configuration, same alternation, no ingest run), so the ratios read new ÷ old: how a change
to tocsin moved its own figures under identical load, without the peers' run-to-run spread.
"""
import argparse, http.client, http.server, json, os, shutil, signal, socket, statistics
import random, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SIZES = {  # targets, series per target, rules
    "idle": (0, 0, 0),
    "small": (10, 1000, 100),
    "medium": (50, 2000, 500),
}
GROUP_WAIT_S = 10


def free_port():
    """A port free now and outside the kernel's ephemeral range: the servers are started on it
    again and again for a whole size, and a port from the ephemeral range can meanwhile become
    the local end of some outgoing connection (a scrape, a notification), making the next start
    fail with "address already in use"."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Sink(http.server.ThreadingHTTPServer):
    """Webhook sink: records (side, receiver path, arrival time, body) of every delivery."""
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self):
        self.lock = threading.Lock()
        self.side = None
        self.deliveries = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                arrival = time.time()
                n = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(n) or b"{}")
                with outer.lock:
                    outer.deliveries.append((outer.side, self.path, arrival, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        super().__init__(("127.0.0.1", 0), H)

    def start_side(self, side):
        with self.lock:
            self.side = side
            self.deliveries = []  # one run's deliveries only

    def take(self, side):
        with self.lock:
            return [d for d in self.deliveries if d[0] == side]


def http_get(port, path, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    hwm = rss = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024.0
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024.0
    return cpu, hwm, rss


def start_and_wait_ready(argv, port, logf, limit=60.0):
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT)
    deadline = t0 + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = ""
            try:
                logf.flush()
                with open(logf.name, "rb") as f:
                    tail = f.read()[-1500:].decode(errors="replace")
            except (OSError, AttributeError):
                pass
            raise RuntimeError(f"{argv[0]} exited with {proc.returncode} before ready: {tail}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/-/ready")
            ok = c.getresponse().status == 200
            c.close()
            if ok:
                return proc, time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.002)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"{argv[0]} not ready within {limit}s")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rule_eval_samples(port, seen):
    """Adds {group: {lastEvaluation: evaluationTime}} from /api/v1/rules into `seen`."""
    try:
        st, body = http_get(port, "/api/v1/rules", timeout=20)
    except OSError:
        return
    if st != 200:
        return
    for g in json.loads(body)["data"]["groups"]:
        last = g.get("lastEvaluation", "")
        if last and not last.startswith("0001-"):
            seen.setdefault(g["file"].rsplit("/", 1)[-1] + ";" + g["name"], {})[last] = float(
                g["evaluationTime"])


def firing(port):
    st, body = http_get(port, "/api/v1/alerts", timeout=20)
    if st != 200:
        raise RuntimeError(f"/api/v1/alerts answered {st}")
    out = set()
    for a in json.loads(body)["data"]["alerts"]:
        if a.get("state") == "firing":
            out.add(tuple(sorted(a["labels"].items())))
    return out


def parse_go_time(s):
    # 2026-11-24T01:02:03.123456789Z (Go may omit the fraction or use an offset; we emit UTC)
    import datetime
    s = s.replace("Z", "+00:00")
    if "." in s:
        head, rest = s.split(".", 1)
        frac, tz = rest[:rest.index("+") if "+" in rest else rest.index("-")], \
            rest[rest.index("+") if "+" in rest else rest.index("-"):]
        s = head + "." + frac[:6].ljust(6, "0") + tz
    return datetime.datetime.fromisoformat(s).timestamp()


def notify_delays(deliveries):
    first = {}
    for _side, path, arrival, body in deliveries:
        if body.get("status") != "firing":
            continue
        key = (path, body.get("groupKey", ""))
        if key in first:
            continue
        starts = [parse_go_time(a["startsAt"]) for a in body.get("alerts", []) if a.get("startsAt")]
        if starts:
            first[key] = arrival - (min(starts) + GROUP_WAIT_S)
    return sorted(first.values())


def start_side(side, a, cfgdir, ports, d, logf):
    """Starts one side with its state under d; returns (procs, ready_s, readies, api_port)."""
    if side == "tocsin" or a.baseline:
        binary = a.tocsin if side == "tocsin" else a.baseline
        p, ready = start_and_wait_ready(
            [binary, "run", f"--config={cfgdir}/prometheus.yml",
             f"--config={cfgdir}/alertmanager.yml",
             f"--web.listen-address=127.0.0.1:{ports['tocsin']}",
             f"--storage.path={d}/data", "--log.level=warn"], ports["tocsin"], logf)
        return [p], ready, {"tocsin": ready}, ports["tocsin"]
    am, am_ready = start_and_wait_ready(
        [a.alertmanager, f"--config.file={cfgdir}/alertmanager.yml",
         f"--web.listen-address=127.0.0.1:{ports['am']}", "--cluster.listen-address=",
         f"--storage.path={d}/am", "--log.level=warn"], ports["am"], logf)
    try:
        pr, pr_ready = start_and_wait_ready(
            [a.prometheus, f"--config.file={cfgdir}/prometheus-peer.yml",
             f"--web.listen-address=127.0.0.1:{ports['prom']}",
             f"--storage.tsdb.path={d}/prom", "--log.level=warn"], ports["prom"], logf)
    except Exception:
        stop(am)
        raise
    return ([pr, am], max(pr_ready, am_ready),
            {"prometheus": pr_ready, "alertmanager": am_ready}, ports["prom"])


def startup_median(side, a, cfgdir, ports, n):
    """Median spawn-to-ready over n separate starts (each stopped at once, fresh state), after a
    2 s pause so that no earlier process is still exiting: one start in a run varies 5x with
    what the machine did just before (the first start after idle is the slowest on both sides)."""
    samples = []
    for _ in range(n):
        time.sleep(2.0)
        d = tempfile.mkdtemp(prefix=f"compare-start-{side}-")
        with open(os.path.join(d, "log.txt"), "wb") as logf:
            procs, ready, _, _ = start_side(side, a, cfgdir, ports, d, logf)
            for p in procs:
                stop(p)
        shutil.rmtree(d, ignore_errors=True)
        samples.append(ready)
    return statistics.median(samples), samples


def run_side(side, a, cfgdir, ports, sink, has_rules):
    """Runs one side for a.duration seconds and returns its figures."""
    d = tempfile.mkdtemp(prefix=f"compare-{side}-")
    logf = open(os.path.join(d, "log.txt"), "wb")
    procs = []
    load_before = os.getloadavg()[0]
    sink.start_side(side)
    try:
        procs, ready, readies, api_port = start_side(side, a, cfgdir, ports, d, logf)
        t0 = time.monotonic()
        end = t0 + a.duration
        half = t0 + a.duration / 2
        rss_samples, seen = [], {}
        next_rules = half
        while True:
            now = time.monotonic()
            if now >= end:
                break
            for p in procs:
                if p.poll() is not None:
                    logf.flush()
                    with open(os.path.join(d, "log.txt"), "rb") as lf:
                        tail = lf.read()[-1500:].decode(errors="replace")
                    raise RuntimeError(f"{side}: a process exited early ({p.args[0]}): {tail}")
            if now >= half:
                rss_samples.append(sum(proc_stat(p.pid)[2] for p in procs))
                if has_rules and now >= next_rules:
                    rule_eval_samples(api_port, seen)
                    next_rules = now + 15
            time.sleep(min(5.0, max(0.0, end - time.monotonic())))
        if has_rules:
            rule_eval_samples(api_port, seen)
        alerts = firing(api_port) if has_rules else set()
        stats = [proc_stat(p.pid) for p in procs]
        per_group = [statistics.median(v.values()) for v in seen.values() if v]
        delays = notify_delays(sink.take(side))
        return {
            "side": side, "ready_s": ready, "readies": readies,
            "cpu_s": sum(s[0] for s in stats), "peak_rss_mb": sum(s[1] for s in stats),
            "per_process": {os.path.basename(p.args[0]): {"cpu_s": s[0], "peak_rss_mb": s[1]}
                            for p, s in zip(procs, stats)},
            "steady_rss_mb": statistics.mean(rss_samples) if rss_samples else 0.0,
            "eval_s": sum(per_group), "slowest_s": max(per_group, default=0.0),
            "groups_seen": len(per_group),
            "notify_delay_median_s": statistics.median(delays) if delays else None,
            "notify_delay_max_s": max(delays) if delays else None,
            "notified_groups": len(delays),
            "alerts": sorted(alerts), "load": [load_before, os.getloadavg()[0]],
        }
    finally:
        for p in procs:
            stop(p)
        logf.close()
        if a.keep:
            log(f"  kept {d}")
        else:
            shutil.rmtree(d, ignore_errors=True)


def ingest_once(a):
    """One bench/alert_ingest_bench run (tocsin then Alertmanager, no inhibit rule)."""
    out = subprocess.run(
        ["timeout", "400", sys.executable,
         os.path.join(ROOT, "bench/alert_ingest_bench/alert_ingest_bench.py"),
         "--tocsin", a.tocsin, "--alertmanager", a.alertmanager, "--inhibit", "no",
         "--run-timeout", "90"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("alert_ingest_bench failed: " + out.stderr[-2000:])
    rows = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
    t = next(r for r in rows if r["name"] == "tocsin")
    m = next(r for r in rows if r["name"] == "alertmanager")
    return {"tocsin": t, "alertmanager": m, "load": os.getloadavg()[0]}


def spread(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return f"{statistics.median(xs):.3g} ({min(xs):.3g}–{max(xs):.3g})"


def ratio(t, p):
    return t / p if (t is not None and p) else None


def summarize_ingest(ingest):
    lines = [f"\n== ingest: {len(ingest)} runs of alert_ingest_bench (100k alerts, batches of 64, "
             "no inhibit rule); tocsin ÷ Alertmanager, median (min–max)"]
    for label, key in [("CPU until the last POST (per alert)", "cpu_post_s"),
                       ("CPU total (until every group notified)", "cpu_s"),
                       ("peak RSS", "hwm_mb"), ("POST wall time", "post_s")]:
        rs = [ratio(r["tocsin"][key], r["alertmanager"][key]) for r in ingest]
        lines.append(f"{label:48} {spread(rs):>24}  "
                     f"{spread([r['tocsin'][key] for r in ingest]):>22}  "
                     f"{spread([r['alertmanager'][key] for r in ingest]):>22}")
    lines.append("alerts/s posted (tocsin/AM): " + ", ".join(
        f"{100000 / r['tocsin']['post_s']:.0f}/{100000 / r['alertmanager']['post_s']:.0f}"
        for r in ingest))
    lines.append("load average after each run: " + ", ".join(f"{r['load']:.2f}" for r in ingest))
    return "\n".join(lines)


def summarize(size, pairs, other="peers"):
    lines = [f"\n== {size}: {len(pairs)} repeats; tocsin ÷ {other}, median (min–max)"]
    metrics = [("CPU-seconds", "cpu_s"), ("peak RSS", "peak_rss_mb"),
               ("steady RSS", "steady_rss_mb"), ("start-up to /-/ready", "ready_s"),
               ("start-up to /-/ready, the run's own start", "ready_in_run_s")]
    if size != "idle":
        metrics += [("summed rule-group eval time", "eval_s"),
                    ("slowest rule group", "slowest_s"),
                    ("notification delay after group_wait (median)", "notify_delay_median_s"),
                    ("notification delay after group_wait (max)", "notify_delay_max_s")]
    lines.append(f"{'metric':48} {'ratio':>24}  {'tocsin':>22}  {other:>22}")
    for label, key in metrics:
        rs = [ratio(t[key], p[key]) for t, p in pairs]
        lines.append(f"{label:48} {spread(rs):>24}  {spread([t[key] for t, _ in pairs]):>22}  "
                     f"{spread([p[key] for _, p in pairs]):>22}")
    if size != "idle":
        same = all(set(map(tuple, t["alerts"])) == set(map(tuple, p["alerts"])) for t, p in pairs)
        counts = ", ".join(f"{len(t['alerts'])}/{len(p['alerts'])}" for t, p in pairs)
        lines.append(f"firing alerts (tocsin/{other} per repeat): {counts}; "
                     f"same set on both sides: {'yes' if same else 'NO'}; "
                     f"as expected: {'yes' if all(p.get('as_expected') and t.get('as_expected') for t, p in pairs) else 'NO'}")
        lines.append(f"notified groups (tocsin/{other}): " +
                     ", ".join(f"{t['notified_groups']}/{p['notified_groups']}" for t, p in pairs))
    lines.append(f"load average at run start (tocsin/{other}): " +
                 ", ".join(f"{t['load'][0]:.2f}/{p['load'][0]:.2f}" for t, p in pairs))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tocsin", required=True)
    ap.add_argument("--exporter", required=True)
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("--alertmanager", default="/usr/bin/prometheus-alertmanager")
    ap.add_argument("--sizes", default="idle,small,medium")
    ap.add_argument("--duration", type=float, default=180, help="seconds per run after ready")
    ap.add_argument("--idle-duration", type=float, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ingest", choices=["yes", "no"], default="yes")
    ap.add_argument("--startup-samples", type=int, default=5,
                    help="separate starts per side and repeat for the start-up median")
    ap.add_argument("--json", default="")
    ap.add_argument("--keep", action="store_true", help="keep each run's directory and log")
    ap.add_argument("--baseline", default="",
                    help="A/B mode: another tocsin binary as the other side instead of the peers")
    a = ap.parse_args()
    if a.baseline:
        a.ingest = "no"
    if a.repeats < 1 or a.repeats > 20 or not 10 <= a.duration <= 3600:
        ap.error("--repeats 1..20, --duration 10..3600")
    if not 1 <= a.startup_samples <= 20:
        ap.error("--startup-samples 1..20")

    sink = Sink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    ports = {"tocsin": free_port(), "prom": free_port(), "am": free_port()}
    results, report = {}, []
    for size in a.sizes.split(","):
        targets, series, nrules = SIZES[size]
        dur = a.idle_duration if size == "idle" else a.duration
        cfgdir = tempfile.mkdtemp(prefix=f"compare-{size}-")
        exporter = None
        try:
            tports = []
            if targets:
                pf = os.path.join(cfgdir, "ports.txt")
                budget = a.repeats * 2 * (dur + 120) + 300
                exporter = subprocess.Popen(
                    [a.exporter, "--targets", str(targets), "--series", str(series),
                     "--ports-file", pf, "--duration", str(int(budget))],
                    stderr=subprocess.DEVNULL)
                for _ in range(500):  # up to 10 s
                    if os.path.exists(pf):
                        break
                    time.sleep(0.02)
                with open(pf) as f:
                    tports = [int(l) for l in f if l.strip()]
            gen = subprocess.run(
                [sys.executable, os.path.join(HERE, "gen_config.py"), cfgdir,
                 "--ports", ",".join(map(str, tports)), "--series", str(series or 1000),
                 "--rules", str(nrules), "--sink-port", str(sink.server_port),
                 "--am-port", str(ports["am"]), "--group-wait", f"{GROUP_WAIT_S}s"],
                check=True, capture_output=True, text=True)
            log(f"{size}: {gen.stdout.strip()}; {dur:.0f}s per run")
            with open(os.path.join(cfgdir, "expected_alerts.json")) as f:
                expected = {tuple(sorted(e.items())) for e in json.load(f)}
            pairs = []
            for rep in range(a.repeats):
                order = ["tocsin", "peers"] if rep % 2 == 0 else ["peers", "tocsin"]
                got = {}
                for side in order:
                    r = run_side(side, argparse.Namespace(**{**vars(a), "duration": dur}),
                                 cfgdir, ports, sink, nrules > 0)
                    r["as_expected"] = set(map(tuple, r["alerts"])) == expected
                    r["ready_in_run_s"] = r["ready_s"]
                    r["ready_s"], r["ready_samples"] = startup_median(
                        side, a, cfgdir, ports, a.startup_samples)
                    got[side] = r
                    log(f"  {size} #{rep + 1} {side}: cpu {r['cpu_s']:.2f}s, peak "
                        f"{r['peak_rss_mb']:.0f} MB, steady {r['steady_rss_mb']:.0f} MB, ready "
                        f"{r['ready_s'] * 1000:.0f} ms (in the run "
                        f"{r['ready_in_run_s'] * 1000:.0f}), eval {r['eval_s'] * 1000:.1f} ms "
                        f"(slowest {r['slowest_s'] * 1000:.1f}), {len(r['alerts'])} firing "
                        f"({'as expected' if r['as_expected'] else 'NOT as expected'}), "
                        f"load {r['load'][0]:.2f}")
                    if not r["as_expected"] and nrules:
                        got_set = set(map(tuple, r["alerts"]))
                        log(f"    missing {len(expected - got_set)}, extra {len(got_set - expected)}: "
                            f"{sorted(expected ^ got_set)[:3]}")
                pairs.append((got["tocsin"], got["peers"]))
            results[size] = [{"tocsin": t, "peers": p} for t, p in pairs]
            report.append(summarize(size, pairs, "baseline" if a.baseline else "peers"))
            print(report[-1], flush=True)
        finally:
            if exporter:
                stop(exporter)
            shutil.rmtree(cfgdir, ignore_errors=True)
    ingest = []
    if a.ingest == "yes":
        for rep in range(a.repeats):
            log(f"ingest #{rep + 1}")
            ingest.append(ingest_once(a))
        results["ingest"] = ingest
        report.append(summarize_ingest(ingest))
        print(report[-1], flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    sink.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
