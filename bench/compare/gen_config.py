#!/usr/bin/env python3
"""Configuration for bench/compare: prometheus.yml, rule files and alertmanager.yml.

Writes into DIR:
  prometheus.yml       scrape config for the bench exporter's targets, rule_files, intervals;
                       read unchanged by tocsin and by Prometheus
  prometheus-peer.yml  the same plus `alerting:` pointing at the peer Alertmanager (tocsin's
                       dispatcher is built in, so it gets no `alerting:` block)
  rules/*.yml          N rules in groups of 10 (4 recording, 6 alerting: rate, sum by, ratio,
                       histogram_quantile, absent, comparisons with for:)
  alertmanager.yml     a route tree with three child routes, an inhibit rule and webhook
                       receivers pointing at the compare script's sink
  expected_alerts.json the label sets that must be firing once the windows are full, computed
                       from the exporter's fixed rule of which targets misbehave (keep
                       bad_errors/bad_latency/bad_queue in step with bench/exporter/exporter.cpp)

Usage: gen_config.py DIR --ports 1234,1235,... --series S --rules R --sink-port P
                     --am-port A [--interval 15s] [--group-wait 10s]
With --rules 0 and no --ports the idle configuration is written (no targets, no rules, the same
route tree).
"""
import argparse, json, os

K_PER_PATH = 4 * 5 + 4 * 14
METHODS = ["GET", "POST", "PUT", "DELETE"]
RULES_PER_GROUP = 10


def bad_errors(t, p): return (t + p) % 10 == 0
def bad_latency(t, p): return (3 * t + p) % 13 == 0
def bad_queue(t, q): return (t + q) % 17 == 0


def shape_for(series):
    paths = max(1, series * 9 // 10 // K_PER_PATH)
    return paths, max(1, series - paths * K_PER_PATH)


def group_rules(g, paths, queues):
    k, m, q = g % paths, METHODS[g % 4], g % queues
    path = f"/api/v1/resource{k}"
    rg = f"g{g}"
    lab = lambda sev, **extra: {"severity": sev, "rule_group": rg, **extra}
    rules = [
        {"record": f"{rg}:http_requests:rate1m",
         "expr": f'sum by (job, instance, status) (rate(http_requests_total{{path="{path}"}}[1m]))'},
        {"record": f"{rg}:http_requests_errors:ratio1m",
         "expr": f'sum by (job, instance) ({rg}:http_requests:rate1m{{status=~"5.."}}) / '
                 f'sum by (job, instance) ({rg}:http_requests:rate1m)'},
        {"record": f"{rg}:http_request_duration_seconds:p90",
         "expr": 'histogram_quantile(0.9, sum by (le, job, instance) '
                 f'(rate(http_request_duration_seconds_bucket{{path="{path}"}}[5m])))'},
        {"record": f"{rg}:http_requests:rate5m_by_method",
         "expr": f'sum by (job, method, status) (rate(http_requests_total{{method="{m}"}}[5m]))'},
        {"alert": "HighErrorRatio", "expr": f"{rg}:http_requests_errors:ratio1m > 0.05",
         "for": "30s", "labels": lab("warning", path=path),
         "annotations": {"summary": "{{ $labels.instance }}: {{ $value | humanizePercentage }} "
                                    "of requests to " + path + " fail"}},
        {"alert": "HighLatency", "expr": f"{rg}:http_request_duration_seconds:p90 > 1",
         "for": "30s", "labels": lab("warning", path=path),
         "annotations": {"summary": "p90 latency of {{ $labels.instance }} is "
                                    "{{ $value | humanizeDuration }}"}},
        {"alert": "ErrorBurst",
         "expr": 'sum by (job, instance, method) (rate(http_requests_total'
                 f'{{path="{path}", status="500"}}[1m])) > 0.5',
         "for": "15s", "labels": lab("critical", path=path),
         "annotations": {"summary": "{{ $labels.method }} {{ $value | printf \"%.1f\" }} "
                                    "errors/s on {{ $labels.instance }}"}},
        {"alert": "QueueBacklog", "expr": f'bench_queue_length{{queue="q{q}"}} > 1000',
         "for": "30s", "labels": lab("warning"),
         "annotations": {"summary": "queue {{ $labels.queue }} holds {{ $value }} items"}},
    ]
    if g % 5 == 0:
        rules.append({"alert": "JobMissing", "expr": f'absent(up{{job="bench-missing-{rg}"}})',
                      "labels": lab("info"), "annotations": {"summary": "no such job"}})
    else:
        rules.append({"alert": "PathMissing",
                      "expr": f'absent(http_requests_total{{path="{path}", method="{m}"}})',
                      "for": "1m", "labels": lab("warning"),
                      "annotations": {"summary": path + " not served"}})
    if g % 10 == 0:
        rules.append({"alert": "LowTraffic",
                      "expr": "sum by (job) (rate(http_requests_total[5m])) < 1",
                      "for": "1m", "labels": lab("warning"),
                      "annotations": {"summary": "{{ $labels.job }} serves {{ $value }} req/s"}})
    else:
        rules.append({"alert": "TargetDown", "expr": 'up{job="bench"} == 0', "for": "1m",
                      "labels": lab("critical"),
                      "annotations": {"summary": "{{ $labels.instance }} is down"}})
    assert len(rules) == RULES_PER_GROUP
    return rules


def expected(g, paths, queues, ports):
    k, q = g % paths, g % queues
    path = f"/api/v1/resource{k}"
    rg = f"g{g}"
    out = []
    for t, port in enumerate(ports):
        inst = f"127.0.0.1:{port}"
        base = {"job": "bench", "instance": inst, "rule_group": rg}
        if bad_errors(t, k):
            out.append({**base, "alertname": "HighErrorRatio", "severity": "warning", "path": path})
            for m in METHODS:
                out.append({**base, "alertname": "ErrorBurst", "severity": "critical",
                            "path": path, "method": m})
        if bad_latency(t, k):
            out.append({**base, "alertname": "HighLatency", "severity": "warning", "path": path})
        if bad_queue(t, q):
            out.append({**base, "alertname": "QueueBacklog", "severity": "warning",
                        "queue": f"q{q}"})
    if g % 5 == 0:
        out.append({"alertname": "JobMissing", "job": f"bench-missing-{rg}", "severity": "info",
                    "rule_group": rg})
    return out


def yaml_str(s):
    return json.dumps(s)  # a JSON string is a valid YAML flow scalar


def dump_rules(groups, interval):
    lines = ["groups:"]
    for name, rules in groups:
        lines += [f"  - name: {name}", f"    interval: {interval}", "    rules:"]
        for r in rules:
            first = True
            for key in ("record", "alert", "expr", "for"):
                if key in r:
                    lines.append(f"      {'- ' if first else '  '}{key}: {yaml_str(r[key])}")
                    first = False
            for key in ("labels", "annotations"):
                if key in r:
                    lines.append(f"        {key}:")
                    for k, v in r[key].items():
                        lines.append(f"          {k}: {yaml_str(v)}")
    return "\n".join(lines) + "\n"


def alertmanager_yml(sink_port, group_wait):
    url = lambda r: f"http://127.0.0.1:{sink_port}/{r}"
    return f"""route:
  receiver: default
  group_by: [alertname, instance]
  group_wait: {group_wait}
  group_interval: 1m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="critical"']
      receiver: critical
      group_by: [alertname, instance, path]
    - matchers: ['alertname="QueueBacklog"']
      receiver: queues
      group_by: [alertname, queue]
    - matchers: ['severity="info"']
      receiver: default
      group_by: ['...']
inhibit_rules:
  - source_matchers: ['alertname="HighErrorRatio"']
    target_matchers: ['alertname="HighLatency"']
    equal: [instance, path]
receivers:
  - name: default
    webhook_configs:
      - url: {url("default")}
  - name: critical
    webhook_configs:
      - url: {url("critical")}
  - name: queues
    webhook_configs:
      - url: {url("queues")}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--ports", default="")
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--rules", type=int, default=0)
    ap.add_argument("--sink-port", type=int, required=True)
    ap.add_argument("--am-port", type=int, required=True)
    ap.add_argument("--interval", default="15s")
    ap.add_argument("--group-wait", default="10s")
    a = ap.parse_args()
    ports = [int(p) for p in a.ports.split(",") if p]
    paths, queues = shape_for(a.series)
    os.makedirs(os.path.join(a.dir, "rules"), exist_ok=True)
    ngroups = a.rules // RULES_PER_GROUP
    groups, exp = [], []
    for g in range(ngroups):
        groups.append((f"bench-g{g}", group_rules(g, paths, queues)))
        exp += expected(g, paths, queues, ports)
    files = []
    per_file = 10  # groups per rule file
    for i in range(0, len(groups), per_file):
        name = f"rules/bench-{i // per_file}.yml"
        with open(os.path.join(a.dir, name), "w") as f:
            f.write(dump_rules(groups[i:i + per_file], a.interval))
        files.append(name)
    prom = [f"global:\n  scrape_interval: {a.interval}\n  evaluation_interval: {a.interval}\n"]
    if files:
        prom.append("rule_files:\n" + "".join(f"  - {f}\n" for f in files))
    if ports:
        prom.append("scrape_configs:\n  - job_name: bench\n    static_configs:\n"
                    "      - targets:\n" + "".join(f"          - 127.0.0.1:{p}\n" for p in ports))
    with open(os.path.join(a.dir, "prometheus.yml"), "w") as f:
        f.write("".join(prom))
    with open(os.path.join(a.dir, "prometheus-peer.yml"), "w") as f:
        f.write("".join(prom) + "alerting:\n  alertmanagers:\n    - api_version: v2\n"
                f"      static_configs:\n        - targets: ['127.0.0.1:{a.am_port}']\n")
    with open(os.path.join(a.dir, "alertmanager.yml"), "w") as f:
        f.write(alertmanager_yml(a.sink_port, a.group_wait))
    with open(os.path.join(a.dir, "expected_alerts.json"), "w") as f:
        json.dump(exp, f)
    print(f"{len(groups)} groups, {len(groups) * RULES_PER_GROUP} rules, {len(ports)} targets, "
          f"{len(exp)} alerts expected to fire")


if __name__ == "__main__":
    main()
