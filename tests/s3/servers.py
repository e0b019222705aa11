#!/usr/bin/env python3
"""Starts and stops the S3 servers the tests use, each on a free loopback port, and writes who is who
to a state file (JSON) that tests/support/s3_servers.cpp reads.

- "s3rver": always. tests/s3/s3rver.mjs (s3rver from npm, tests/node) with SigV4 checked, one bucket,
  data in a directory of its own. It keeps connections alive. The store of the S3 and cluster
  end-to-end runs ("store" in the state; IMGPIPE_TEST_S3_STORE names another server instead).
- "moto_auth" and "moto_open": when moto_server is installed (pip's moto[server]; Debian has no
  package). moto_auth verifies SigV4 signatures (INITIAL_NO_AUTH_ACTION_COUNT=3: the first three
  calls create an IAM user, its access key and an allow-all policy; everything after must be signed
  with that key); moto_open verifies nothing (moto 5.2.1 answers 500 to presigned GETs in auth
  mode). When moto_server is missing, "absent" says so for both, and the tests of those servers are
  reported as skipped with that reason.

    servers.py start STATE --node NODE --node-modules DIR   starts them, writes STATE
    servers.py stop STATE                                   stops the processes it started (by PID)
    servers.py pause|resume STATE NAME                      SIGSTOP / SIGCONT one server (outage tests)
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

BUCKET = "imgpipe-test"
REGION = "us-east-1"
S3RVER_KEY = "S3RVER"  # the one account s3rver knows
MOTO_MISSING = "moto_server is not installed (pip install 'moto[server]'); this server's tests ran on s3rver"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(name, argv, env_extra, log_path):
    """Starts argv, which listens on the port it is given in place of {port}; see wait_listening."""
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in argv]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(argv, env=dict(os.environ, **env_extra), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return {"pid": proc.pid, "endpoint": f"http://127.0.0.1:{port}", "proc": proc, "name": name, "log": log_path,
            "port": port}


def wait_listening(server):
    """Waits until the spawned server accepts connections; drops what the state file does not keep."""
    proc, port = server.pop("proc"), server.pop("port")
    name, log_path = server.pop("name"), server.pop("log")
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {log_path}")
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen within 30 s; see {log_path}")


def boto3_client(service, endpoint, key, secret):
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))


def spawn_s3rver(state, log_dir, node, node_modules):
    data = os.path.join(log_dir, "s3rver-data")
    shutil.rmtree(data, ignore_errors=True)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "s3rver.mjs")
    state["servers"]["s3rver"] = spawn(
        "s3rver", [node, script, "--node-modules", node_modules, "--port", "{port}", "--dir", data, "--bucket",
                   BUCKET, "--region", REGION, "--key", S3RVER_KEY, "--secret", S3RVER_KEY],
        {}, os.path.join(log_dir, "s3rver.log"))
    state["servers"]["s3rver"].update(key=S3RVER_KEY, secret=S3RVER_KEY, bucket=BUCKET, region=REGION,
                                      data=data)


def spawn_moto(state, log_dir):
    exe = shutil.which("moto_server")
    if not exe:
        state["absent"] = {"moto_auth": MOTO_MISSING, "moto_open": MOTO_MISSING}
        return
    argv = [exe, "-H", "127.0.0.1", "-p", "{port}"]
    state["servers"]["moto_auth"] = spawn("moto_server", argv, {"INITIAL_NO_AUTH_ACTION_COUNT": "3"},
                                          os.path.join(log_dir, "moto-auth.log"))
    state["servers"]["moto_open"] = spawn("moto_server", argv, {}, os.path.join(log_dir, "moto-open.log"))


def set_up_moto(auth, opened):
    iam = boto3_client("iam", auth["endpoint"], "bootstrap", "bootstrap")
    iam.create_user(UserName="imgpipe")
    key = iam.create_access_key(UserName="imgpipe")["AccessKey"]
    iam.put_user_policy(UserName="imgpipe", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    auth.update(key=key["AccessKeyId"], secret=key["SecretAccessKey"], bucket=BUCKET, region=REGION)
    boto3_client("s3", auth["endpoint"], auth["key"], auth["secret"]).create_bucket(Bucket=BUCKET)
    opened.update(key="testing", secret="testing", bucket=BUCKET, region=REGION)
    boto3_client("s3", opened["endpoint"], "testing", "testing").create_bucket(Bucket=BUCKET)


def start(state_file, node, node_modules):
    log_dir = os.path.dirname(os.path.abspath(state_file))
    state = {"servers": {}, "absent": {}, "store": os.environ.get("IMGPIPE_TEST_S3_STORE") or "s3rver"}
    try:
        # All at once: each takes a second or two to come up.
        spawn_s3rver(state, log_dir, node, node_modules)
        spawn_moto(state, log_dir)
        for server in state["servers"].values():
            wait_listening(server)
        if "moto_auth" in state["servers"]:
            set_up_moto(state["servers"]["moto_auth"], state["servers"]["moto_open"])
        if state["store"] not in state["servers"]:
            raise RuntimeError(f"IMGPIPE_TEST_S3_STORE={state['store']}: no such server here")
    except Exception:
        stop_servers(state)
        raise
    with open(state_file, "w") as f:
        json.dump(state, f, indent=2)
    for name, s in state["servers"].items():
        print(f"servers.py: {name} {s['endpoint']} (pid {s['pid']})")
    for name, why in state["absent"].items():
        print(f"servers.py: {name} not started: {why}")
    print(f"servers.py: the end-to-end runs store on {state['store']}")


def stop_servers(state):
    """SIGTERM to every server at once (SIGCONT first: one may be paused), SIGKILL to those still
    there after 5 s."""
    servers = [s for s in state.get("servers", {}).values() if s.get("pid")]
    for s in servers:
        try:
            os.kill(s["pid"], signal.SIGCONT)
            os.kill(s["pid"], signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + 5
    for s in servers:
        while True:
            try:
                os.kill(s["pid"], 0)
            except ProcessLookupError:
                break
            if time.time() > deadline:
                os.kill(s["pid"], signal.SIGKILL)
                break
            time.sleep(0.05)
        if s.get("data"):
            shutil.rmtree(s["data"], ignore_errors=True)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, state_file, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    if cmd == "start":
        opts = dict(zip(rest[::2], rest[1::2]))
        if "--node" not in opts or "--node-modules" not in opts:
            sys.exit(__doc__)
        start(state_file, opts["--node"], opts["--node-modules"])
    elif cmd == "stop":
        if os.path.exists(state_file):
            with open(state_file) as f:
                stop_servers(json.load(f))
            os.remove(state_file)
    elif cmd in ("pause", "resume") and rest:
        with open(state_file) as f:
            pid = json.load(f)["servers"][rest[0]]["pid"]
        os.kill(pid, signal.SIGSTOP if cmd == "pause" else signal.SIGCONT)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
