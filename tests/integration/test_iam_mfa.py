"""Virtual MFA: real seeds, QR PNGs, RFC 6238 codes computed here, replay protection."""
import base64
import hashlib
import hmac
import struct
import time
import urllib.parse
import zlib

import botocore.exceptions
import pytest


def code(exc):
    return exc.value.response["Error"]["Code"]


def totp(seed_b32, step):
    key = base64.b32decode(seed_b32)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    v = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%06d" % (v % 1000000)


def now_step():
    return int(time.time()) // 30


def png_pixels(png):
    """Decodes an 8-bit grayscale, non-interlaced PNG (what the server writes) into rows."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        ctype = png[pos + 4:pos + 8]
        data = png[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])[0]
        assert zlib.crc32(ctype + data) & 0xFFFFFFFF == crc
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", data)
        elif ctype == b"IDAT":
            idat += data
        pos += 12 + length
    return ihdr, zlib.decompress(idat)


def unfilter(raw, width, height):
    """Undoes PNG scanline filters for 1 byte per pixel."""
    rows, prev = [], bytearray(width)
    for y in range(height):
        ftype = raw[y * (width + 1)]
        line = bytearray(raw[y * (width + 1) + 1:(y + 1) * (width + 1)])
        for x in range(width):
            a = line[x - 1] if x else 0
            b = prev[x]
            c = prev[x - 1] if x else 0
            if ftype == 1:
                pred = a
            elif ftype == 2:
                pred = b
            elif ftype == 3:
                pred = (a + b) // 2
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                assert ftype == 0
                pred = 0
            line[x] = (line[x] + pred) & 0xFF
        rows.append(line)
        prev = line
    return rows


@pytest.fixture(scope="module")
def iam(server):
    return server.client("iam")


def create(iam, name, **kw):
    return iam.create_virtual_mfa_device(VirtualMFADeviceName=name, **kw)["VirtualMFADevice"]


def test_create_returns_seed_and_qr(server, iam):
    dev = create(iam, "mfa-qr", Tags=[{"Key": "team", "Value": "sec"}])
    account = server.client("sts").get_caller_identity()["Account"]
    assert dev["SerialNumber"] == f"arn:aws:iam::{account}:mfa/mfa-qr"
    seed = dev["Base32StringSeed"].decode()
    assert len(seed) == 32 and len(base64.b32decode(seed)) == 20
    png = dev["QRCodePNG"]
    ihdr, raw = png_pixels(png)
    width, height, depth, color, _, _, interlace = ihdr
    assert width == height and width >= 21 * 4 and depth == 8 and color == 0 and interlace == 0
    assert len(raw) == height * (width + 1)
    # The top-left finder pattern sits after the 4-module quiet zone at 4 px per module: a dark
    # 7x7 ring around a light ring around a dark 3x3 core.
    rows = unfilter(raw, width, height)
    module = lambda mx, my: rows[(4 + my) * 4 + 1][(4 + mx) * 4 + 1]
    assert rows[0][0] == 255 and module(-1, -1) == 255
    assert all(module(i, 0) == 0 and module(0, i) == 0 and module(6, i) == 0 for i in range(7))
    assert module(1, 1) == 255 and module(3, 3) == 0 and module(7, 7) == 255
    assert dev["Tags"] == [{"Key": "team", "Value": "sec"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(iam, "mfa-qr")
    assert code(e) == "EntityAlreadyExists"
    iam.delete_virtual_mfa_device(SerialNumber=dev["SerialNumber"])


def test_virtual_device_names_are_unique_per_path_and_name(iam):
    # AWS: the serial number arn:aws:iam::<account>:mfa<path><name> names the device, so one
    # name may be used under two paths; the same path and name twice is EntityAlreadyExists with
    # AWS's message "MFA device already exists." (recorded IAM response).
    a = create(iam, "mfa-twin")
    b = create(iam, "mfa-twin", Path="/team/")
    assert a["SerialNumber"].endswith(":mfa/mfa-twin")
    assert b["SerialNumber"].endswith(":mfa/team/mfa-twin")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(iam, "MFA-TWIN", Path="/team/")
    assert code(e) == "EntityAlreadyExists"
    assert e.value.response["Error"]["Message"] == "MFA device already exists."
    serials = {d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]}
    assert {a["SerialNumber"], b["SerialNumber"]} <= serials
    iam.delete_virtual_mfa_device(SerialNumber=b["SerialNumber"])
    assert a["SerialNumber"] in {d["SerialNumber"] for d in
                                 iam.list_virtual_mfa_devices()["VirtualMFADevices"]}
    iam.delete_virtual_mfa_device(SerialNumber=a["SerialNumber"])


def test_enable_resync_deactivate_delete(iam):
    iam.create_user(UserName="mfa-alice")
    dev = create(iam, "mfa-alice-dev")
    serial, seed = dev["SerialNumber"], dev["Base32StringSeed"].decode()
    listed = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert serial in [d["SerialNumber"] for d in listed]
    assert all("Base32StringSeed" not in d for d in listed)

    s = now_step()
    # Wrong codes, non-consecutive codes and codes far in the past are refused.
    for c1, c2 in [("000000", "000000"), (totp(seed, s), totp(seed, s - 1)),
                   (totp(seed, s - 20), totp(seed, s - 19))]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.enable_mfa_device(UserName="mfa-alice", SerialNumber=serial,
                                  AuthenticationCode1=c1, AuthenticationCode2=c2)
        assert code(e) == "InvalidAuthenticationCode"
    iam.enable_mfa_device(UserName="mfa-alice", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    devices = iam.list_mfa_devices(UserName="mfa-alice")["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [serial]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    mine = [d for d in assigned if d["SerialNumber"] == serial]
    assert mine and mine[0]["User"]["UserName"] == "mfa-alice" and "EnableDate" in mine[0]

    # Already assigned.
    iam.create_user(UserName="mfa-bob")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.enable_mfa_device(UserName="mfa-bob", SerialNumber=serial,
                              AuthenticationCode1=totp(seed, s), AuthenticationCode2=totp(seed, s + 1))
    assert code(e) == "EntityAlreadyExists"

    # A user with an MFA device cannot be deleted; the device cannot be deleted while assigned.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="mfa-alice")
    assert code(e) == "DeleteConflict"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert code(e) == "DeleteConflict"

    # Resync: codes already used (replay) are refused; fresh consecutive codes are accepted.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.resync_mfa_device(UserName="mfa-alice", SerialNumber=serial,
                              AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    assert code(e) == "InvalidAuthenticationCode"
    iam.resync_mfa_device(UserName="mfa-alice", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, s + 1), AuthenticationCode2=totp(seed, s + 2))

    iam.deactivate_mfa_device(UserName="mfa-alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="mfa-alice")["MFADevices"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.deactivate_mfa_device(UserName="mfa-alice", SerialNumber=serial)
    assert code(e) == "NoSuchEntity"
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert code(e) == "NoSuchEntity"
    iam.delete_user(UserName="mfa-alice")


def test_rename_user_with_mfa_device_and_credentials(iam):
    # AWS renames a user with its MFA devices and credentials (UpdateUser has no DeleteConflict
    # for them): they are listed under the new name afterwards.
    iam.create_user(UserName="mfa-ren-a")
    dev = create(iam, "mfa-ren-dev")
    serial, seed = dev["SerialNumber"], dev["Base32StringSeed"].decode()
    s = now_step()
    iam.enable_mfa_device(UserName="mfa-ren-a", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    cred = iam.create_service_specific_credential(
        UserName="mfa-ren-a", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    iam.update_user(UserName="mfa-ren-a", NewUserName="mfa-ren-b")
    devices = iam.list_mfa_devices(UserName="mfa-ren-b")["MFADevices"]
    assert [(d["SerialNumber"], d["UserName"]) for d in devices] == [(serial, "mfa-ren-b")]
    virtual = {d["SerialNumber"]: d for d in
               iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]}
    assert virtual[serial]["User"]["UserName"] == "mfa-ren-b"
    creds = iam.list_service_specific_credentials(UserName="mfa-ren-b")["ServiceSpecificCredentials"]
    assert [(c["ServiceSpecificCredentialId"], c["UserName"]) for c in creds] == \
        [(cred["ServiceSpecificCredentialId"], "mfa-ren-b")]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.list_mfa_devices(UserName="mfa-ren-a")
    assert code(e) == "NoSuchEntity"
    # The device still deactivates and deletes under the new name; the user then deletes.
    iam.deactivate_mfa_device(UserName="mfa-ren-b", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.delete_service_specific_credential(
        UserName="mfa-ren-b", ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"])
    iam.delete_user(UserName="mfa-ren-b")


def test_errors(server, iam):
    account = server.client("sts").get_caller_identity()["Account"]
    missing = f"arn:aws:iam::{account}:mfa/nope"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_virtual_mfa_device(SerialNumber=missing)
    assert code(e) == "NoSuchEntity"
    iam.create_user(UserName="mfa-carol")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.enable_mfa_device(UserName="mfa-carol", SerialNumber=missing,
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    assert code(e) == "NoSuchEntity"
    dev = create(iam, "mfa-carol-dev")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.enable_mfa_device(UserName="mfa-nobody", SerialNumber=dev["SerialNumber"],
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    assert code(e) == "NoSuchEntity"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.list_mfa_devices(UserName="mfa-nobody")
    assert code(e) == "NoSuchEntity"


def test_tags(iam):
    dev = create(iam, "mfa-tags")
    serial = dev["SerialNumber"]
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    assert {t["Key"] for t in iam.list_mfa_device_tags(SerialNumber=serial)["Tags"]} == {"a", "b"}
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["a"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "b", "Value": "2"}]
    iam.delete_virtual_mfa_device(SerialNumber=serial)


def test_cli_create_writes_png(server, tmp_path):
    out = tmp_path / "qr.png"
    r = server.cli("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "mfa-cli",
                   "--outfile", str(out), "--bootstrap-method", "QRCodePNG")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sts_session_token_uses_device_and_refuses_replay(server, iam):
    iam.create_user(UserName="mfa-sts")
    dev = create(iam, "mfa-sts-dev")
    serial, seed = dev["SerialNumber"], dev["Base32StringSeed"].decode()
    s = now_step()
    iam.enable_mfa_device(UserName="mfa-sts", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    k = iam.create_access_key(UserName="mfa-sts")["AccessKey"]
    sts = server.client("sts", key=k["AccessKeyId"], secret=k["SecretAccessKey"])
    # The enabling codes are used up; a wrong code is refused.
    for used in [totp(seed, s), "000000" if totp(seed, s + 1) != "000000" else "111111"]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sts.get_session_token(SerialNumber=serial, TokenCode=used)
        assert code(e) == "AccessDenied"
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, s + 1))["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, s + 1))
    assert code(e) == "AccessDenied"
