"""Fixtures that start the real `rampart` binary on port 0 with a fresh data directory.

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/integration
RAMPART_BIN points at the binary (default: build/rampart).
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import boto3
import botocore.config
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("RAMPART_BIN", os.path.join(ROOT, "build", "rampart"))
AWS_CLI = "/usr/bin/aws"  # Debian's AWS CLI v2


class Server:
    """One running `rampart serve`. Reads the bound port from its start-up line."""

    def __init__(self, *args, data_dir=None, env=None, dev=False):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="rampart-it-")
        self.args = list(args)
        self.dev = dev
        self.env = dict(os.environ)
        self.env.pop("AWS_PROFILE", None)
        self.env.update(env or {})
        self.proc = None
        self.port = None
        self.stderr_lines = []

    def start(self, timeout=10):
        cmd = [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir] + self.args
        if self.dev:
            cmd.append("--dev")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=self.env, text=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError("rampart exited: " + "".join(self.stderr_lines))
                continue
            self.stderr_lines.append(line)
            m = re.search(r"listening on https?://[^:]+:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                return self
        raise RuntimeError("rampart did not start: " + "".join(self.stderr_lines))

    @property
    def scheme(self):
        return "https" if "--tls-cert" in self.args else "http"

    @property
    def endpoint(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def credentials(self):
        text = open(os.path.join(self.data_dir, "root-credentials")).read()
        key = re.search(r"aws_access_key_id = (\S+)", text).group(1)
        secret = re.search(r"aws_secret_access_key = (\S+)", text).group(1)
        return key, secret

    def client(self, service, key=None, secret=None, region="us-east-1", **kw):
        if key is None:
            key, secret = self.credentials()
        cfg = botocore.config.Config(retries={"max_attempts": 1}, **kw)
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id=key, aws_secret_access_key=secret, config=cfg,
                            verify=False)

    def session_client(self, service, creds, region="us-east-1"):
        """A client on temporary credentials (an STS Credentials structure)."""
        cfg = botocore.config.Config(retries={"max_attempts": 1})
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], config=cfg, verify=False)

    def cli(self, *args, key=None, secret=None, check=False):
        """Runs Debian's aws CLI v2 against this server; returns CompletedProcess."""
        if key is None:
            key, secret = self.credentials()
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
        env.pop("AWS_PROFILE", None)
        cmd = [AWS_CLI, "--endpoint-url", self.endpoint, "--output", "json"]
        if self.scheme == "https":
            cmd.append("--no-verify-ssl")
        return subprocess.run(cmd + list(args), env=env, capture_output=True, text=True,
                              check=check, timeout=60)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        self.stop()
        if self.proc:
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream:
                    stream.close()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture
def make_server():
    servers = []

    def make(*args, **kw):
        s = Server(*args, **kw)
        servers.append(s)
        return s.start()

    yield make
    for s in servers:
        s.cleanup()


@pytest.fixture(scope="module")
def server():
    s = Server().start()
    yield s
    s.cleanup()
