#!/usr/bin/env python3
"""Starts and stops the S3 servers the tests use: two moto_server processes on free loopback ports.

- "auth": verifies SigV4 signatures (INITIAL_NO_AUTH_ACTION_COUNT=3: the first three calls create an
  IAM user, its access key and an allow-all policy; everything after must be signed with that key).
- "open": verifies nothing. moto 5.2.1 answers 500 to presigned GETs in auth mode, so presigned
  URLs are fetched from this one.

    moto.py start STATE_FILE    writes endpoints, credentials, bucket and PIDs as JSON
    moto.py stop STATE_FILE     stops the processes it started (by PID)
    moto.py pause|resume STATE_FILE NAME   SIGSTOP / SIGCONT one server (outage tests)
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import boto3
from botocore.config import Config

BUCKET = "imgpipe-test"
REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(env_extra, log_path):
    port = free_port()
    env = dict(os.environ, **env_extra)
    exe = shutil.which("moto_server")
    if not exe:
        sys.exit("moto.py: moto_server is not installed (it comes with the machine's Python 3.11)")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc.pid, endpoint
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"moto.py: moto_server exited with {proc.returncode}; see {log_path}")
            time.sleep(0.1)
    proc.kill()
    sys.exit("moto.py: moto_server did not start within 30 s")


def client(service, endpoint, key, secret):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))


def start(state_file):
    log_dir = os.path.dirname(os.path.abspath(state_file))
    auth_pid, auth_ep = launch({"INITIAL_NO_AUTH_ACTION_COUNT": "3"}, os.path.join(log_dir, "moto-auth.log"))
    open_pid, open_ep = launch({}, os.path.join(log_dir, "moto-open.log"))
    state = {"auth": {"pid": auth_pid, "endpoint": auth_ep}, "open": {"pid": open_pid, "endpoint": open_ep}}
    try:
        iam = client("iam", auth_ep, "bootstrap", "bootstrap")
        iam.create_user(UserName="imgpipe")
        key = iam.create_access_key(UserName="imgpipe")["AccessKey"]
        iam.put_user_policy(UserName="imgpipe", PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        state["auth"].update(key=key["AccessKeyId"], secret=key["SecretAccessKey"], bucket=BUCKET,
                             region=REGION)
        client("s3", auth_ep, key["AccessKeyId"], key["SecretAccessKey"]).create_bucket(Bucket=BUCKET)
        state["open"].update(key="testing", secret="testing", bucket=BUCKET, region=REGION)
        client("s3", open_ep, "testing", "testing").create_bucket(Bucket=BUCKET)
    except Exception:
        stop_pids(state)
        raise
    with open(state_file, "w") as f:
        json.dump(state, f, indent=2)
    print(f"moto.py: auth {auth_ep} (pid {auth_pid}), open {open_ep} (pid {open_pid})")


def stop_pids(state):
    for name in ("auth", "open"):
        pid = state.get(name, {}).get("pid")
        if not pid:
            continue
        try:
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, state_file = sys.argv[1], sys.argv[2]
    if cmd == "start":
        start(state_file)
    elif cmd == "stop":
        if os.path.exists(state_file):
            with open(state_file) as f:
                stop_pids(json.load(f))
            os.remove(state_file)
    elif cmd in ("pause", "resume"):
        with open(state_file) as f:
            pid = json.load(f)[sys.argv[3]]["pid"]
        os.kill(pid, signal.SIGSTOP if cmd == "pause" else signal.SIGCONT)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
