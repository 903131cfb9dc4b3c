#!/usr/bin/env python3
"""gen_scenario.py - write a random regression scenario folder.

usage: gen_scenario.py SEED DIR

The folder has the upstream format (cmdlist, hardware_status, service_config,
optionally manager_status-free seeds, rules_config, groups, datacenter.cfg and
stats files). The same SEED always gives the same folder. Used by
test/differential.sh to compare ha-tester with the reference simulator.
"""
import json
import os
import random
import sys


def node_names(rng):
    n = rng.choice([3, 3, 3, 4, 5])
    return ["node%d" % (i + 1) for i in range(n)]


def service_ids(rng):
    sids = set()
    for _ in range(rng.randint(1, 8)):
        kind = rng.choice(["vm", "vm", "ct", "fa"])
        if kind == "fa":
            digits = "%d%d%d" % (rng.randint(1, 9), rng.choice([0, 0, 1, 2]), rng.choice([0, 0, 1]))
            if rng.random() < 0.2:
                digits += "%d0%d" % (rng.choice([0, 1]), rng.randint(0, 3))
            sids.add("fa:" + digits)
        else:
            sids.add("%s:%d" % (kind, rng.randint(100, 130)))
    return sorted(sids)


def service_config(rng, nodes, sids, groups):
    conf = {}
    for sid in sids:
        cd = {"node": rng.choice(nodes)}
        state = rng.choice(["started", "started", "started", "stopped", "disabled", None, "ignored"])
        if state is not None:
            cd["state"] = state
        if rng.random() < 0.2:
            cd["max_restart"] = rng.randint(0, 2)
        if rng.random() < 0.2:
            cd["max_relocate"] = rng.randint(0, 2)
        if rng.random() < 0.1:
            cd["failback"] = 0
        if groups and rng.random() < 0.4:
            cd["group"] = rng.choice(groups)
        conf[sid] = cd
    return conf


def node_list(rng, nodes, prio=True):
    picked = rng.sample(nodes, rng.randint(1, len(nodes)))
    out = []
    for n in picked:
        if prio and rng.random() < 0.4:
            out.append("%s:%d" % (n, rng.randint(0, 3)))
        else:
            out.append(n)
    return ",".join(out)


def rules_config(rng, nodes, sids):
    text = []
    for i in range(rng.randint(0, 4)):
        if rng.random() < 0.5:
            res = rng.sample(sids, rng.randint(1, min(3, len(sids))))
            text.append("node-affinity: na%d" % i)
            text.append("\tresources %s" % ",".join(res))
            text.append("\tnodes %s" % node_list(rng, nodes))
            if rng.random() < 0.5:
                text.append("\tstrict 1")
        else:
            res = rng.sample(sids, rng.randint(min(2, len(sids)), min(3, len(sids))))
            text.append("resource-affinity: ra%d" % i)
            text.append("\tresources %s" % ",".join(res))
            text.append("\taffinity %s" % rng.choice(["positive", "negative"]))
        if rng.random() < 0.1:
            text.append("\tdisable")
        text.append("")
    return "\n".join(text) + ("\n" if text else "")


def groups_config(rng, nodes):
    names = ["grp%d" % i for i in range(rng.randint(1, 2))]
    text = []
    for g in names:
        text.append("group: %s" % g)
        text.append("\tnodes %s" % node_list(rng, nodes))
        if rng.random() < 0.5:
            text.append("\trestricted 1")
        if rng.random() < 0.3:
            text.append("\tnofailback 1")
        text.append("")
    return names, "\n".join(text) + "\n"


def random_command(rng, nodes, sids, added):
    n = rng.choice(nodes)
    s = rng.choice(sids)
    other = rng.choice(nodes)
    choices = [
        "power %s off" % n, "power %s on" % n, "network %s off" % n, "network %s on" % n,
        "reboot %s" % n, "shutdown %s" % n, "restart-lrm %s" % n, "crm %s stop" % n,
        "crm %s enable-node-maintenance" % n, "crm %s disable-node-maintenance" % n,
        "service %s migrate %s" % (s, other), "service %s relocate %s" % (s, other),
        "service %s stop %d" % (s, rng.choice([0, 10])),
        "service %s %s" % (s, rng.choice(["started", "stopped", "disabled", "ignored"])),
        "service %s lock" % s, "cfs %s %s %s" % (n, rng.choice(["rw", "update"]),
                                                rng.choice(["fail", "work"])),
        "crm %s disarm-ha %s" % (n, rng.choice(["freeze", "ignore"])), "crm %s arm-ha" % n,
        "delay %d" % rng.choice([0, 20, 60, 150]), "skip-round %s" % rng.choice(["crm", "lrm"]),
        "service %s set-static-stats maxcpu %d maxmem %d" % (s, rng.randint(1, 8),
                                                            rng.choice([512, 2048, 8192])),
        "service %s set-dynamic-stats cpu %.1f mem %d" % (s, rng.choice([0.2, 1.0, 3.5]),
                                                         rng.choice([256, 1024, 4096])),
        "service %s manual-migrate %s" % (s, other), "service %s delete" % s,
        "pve-manager-version %s set %s" % (n, rng.choice(["9.0.0~16", "9.1.2"])),
    ]
    if rng.random() < 0.05:
        new = "vm:%d" % rng.randint(200, 260)
        if new not in added:
            added.add(new)
            return "service %s add %s" % (new, n)
    return rng.choice(choices)


def cmdlist(rng, nodes, sids):
    batches = [["power %s on" % n for n in nodes]]
    added = set()
    for _ in range(rng.randint(1, 6)):
        batch = [random_command(rng, nodes, sids, added) for _ in range(rng.randint(0, 2))]
        batches.append(batch)
    return batches


def datacenter(rng, sids, nodes):
    dc = {}
    if rng.random() < 0.4:
        dc["ha"] = {"shutdown_policy": rng.choice(["conditional", "freeze", "failover", "migrate"])}
    if rng.random() < 0.3:
        crs = {"ha": rng.choice(["basic", "static", "dynamic"])}
        if rng.random() < 0.5:
            crs["ha-rebalance-on-start"] = 1
        if rng.random() < 0.3:
            crs["ha-auto-rebalance"] = 1
            crs["ha-auto-rebalance-method"] = rng.choice(["bruteforce", "topsis"])
        dc["crs"] = crs
    return dc


def write(path, data):
    with open(path, "w") as f:
        f.write(data if isinstance(data, str) else json.dumps(data, indent=1, sort_keys=True))


def main():
    seed, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    nodes = node_names(rng)
    sids = service_ids(rng)
    groups = []
    if rng.random() < 0.2:
        groups, text = groups_config(rng, nodes)
        write(os.path.join(out, "groups"), text)
    hw = {n: {"power": "off", "network": "off", "maxcpu": rng.choice([16, 24, 32]),
              "maxmem": rng.choice([64, 128]) * 1024 ** 3} for n in nodes}
    if groups and rng.random() < 0.7:
        for n in nodes:
            hw[n]["pve-manager-version"] = rng.choice(["9.0.0~16", "9.1.2", "8.4.1"])
    write(os.path.join(out, "hardware_status"), hw)
    write(os.path.join(out, "service_config"), service_config(rng, nodes, sids, groups))
    if rng.random() < 0.4:
        write(os.path.join(out, "rules_config"), rules_config(rng, nodes, sids))
    dc = datacenter(rng, sids, nodes)
    if "crs" in dc and rng.random() < 0.7:
        stats = {sid: {"maxcpu": rng.randint(1, 8), "maxmem": rng.choice([1, 2, 4, 8]) * 1024 ** 3}
                 for sid in sids if rng.random() < 0.9}
        write(os.path.join(out, "static_service_stats"), stats)
        if rng.random() < 0.7:
            dyn = {sid: {"cpu": rng.choice([0.1, 0.5, 1.5, 4.0]),
                         "mem": rng.choice([256, 1024, 3072]) * 1024 ** 2}
                   for sid in sids if rng.random() < 0.9}
            write(os.path.join(out, "dynamic_service_stats"), dyn)
    if dc:
        write(os.path.join(out, "datacenter.cfg"), dc)
    write(os.path.join(out, "manager_status"), {})
    write(os.path.join(out, "cmdlist"), cmdlist(rng, nodes, sids))


if __name__ == "__main__":
    main()
