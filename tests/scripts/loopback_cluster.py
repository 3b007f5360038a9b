"""Runs a command against a two-node Ray cluster that lives on 127.0.0.1 only.

    unshare --net --pid --fork --mount-proc python loopback_cluster.py PORT COMMAND... \
        [--and-then COMMAND...]...

Commands separated by ``--and-then`` run one after another on the same cluster (one cluster
start for several drivers); after each, a line ``loopback cluster: command I exited RC``. The
exit status is the first non-zero one.

Meant to run as PID 1 of fresh network and PID namespaces: the namespace has no interface but
loopback, so no Ray process can reach (or advertise) any other address, and every process
left in the namespace ends when this script does. The head and the worker node are started as
child processes (``ray start ... --block``) and stopped by their own process ids.
"""
import os
import signal
import socket
import subprocess
import sys
import time


def ray_command():
    return os.path.join(os.path.dirname(sys.executable), "ray")


def alive_nodes(address):
    probe = ("import ray; ray.init(address='%s', logging_level='ERROR'); "
             "print(sum(node['Alive'] for node in ray.nodes()))" % address)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120)
    lines = result.stdout.strip().splitlines()
    return int(lines[-1]) if result.returncode == 0 and lines else 0


def wait_for_port(port, process, timeout=60):
    """Until something accepts TCP connections on 127.0.0.1:port (the head's GCS)."""
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", int(port))) == 0:
                return True
        time.sleep(0.2)
    return False


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def split_commands(arguments, separator="--and-then"):
    commands = [[]]
    for argument in arguments:
        if argument == separator:
            commands.append([])
        else:
            commands[-1].append(argument)
    return commands


def main():
    port, command = sys.argv[1], sys.argv[2:]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    # Nothing outside this namespace can reach the cluster, so it runs without Ray's token
    # authentication (a real cluster keeps its own).
    os.environ["RAY_AUTH_MODE"] = "disabled"
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    # Multi-node mode; with no route out of the namespace, Ray falls back to 127.0.0.1.
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "1"
    address = f"127.0.0.1:{port}"
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--disable-usage-stats",
              "--block"]
    head = subprocess.Popen([ray_command(), "start", "--head", "--port", port,
                             "--include-dashboard=false", *common])
    nodes = [head]
    try:
        if not wait_for_port(port, head):
            print("loopback cluster: the head node never listened", file=sys.stderr)
            return 3
        worker = subprocess.Popen([ray_command(), "start", "--address", address, *common])
        nodes.append(worker)
        deadline = time.time() + 90
        while alive_nodes(address) < 2:
            if time.time() > deadline or head.poll() is not None or worker.poll() is not None:
                print("loopback cluster: the worker node never joined", file=sys.stderr)
                return 3
            time.sleep(0.5)
        print(f"loopback cluster: 2 nodes up at {address}", flush=True)
        codes = []
        for index, each in enumerate(split_commands(command)):
            codes.append(subprocess.run(each).returncode)
            print(f"loopback cluster: command {index} exited {codes[-1]}", flush=True)
        return next((code for code in codes if code), 0)
    finally:
        for process in reversed(nodes):
            stop(process)


if __name__ == "__main__":
    sys.exit(main())
