"""Optional TLS with a given certificate and key."""
import subprocess


def test_tls_get_caller_identity(make_server, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    s = make_server("--tls-cert", str(cert), "--tls-key", str(key))
    assert s.endpoint.startswith("https://")
    assert s.client("sts").get_caller_identity()["Arn"].endswith(":root")
    out = s.cli("sts", "get-caller-identity")
    assert out.returncode == 0, out.stderr
