# SPDX-License-Identifier: MIT
"""Packaging (issue 19, point 4): `make install` (meson install) into a DESTDIR puts the binary,
the man page entitled(8) made from the --help texts, a hardened systemd unit and
/etc/default/entitled in place; systemd-analyze verifies the unit; the daemon tells a service
manager READY=1 once it listens and STOPPING=1 when it drains (Type=notify)."""
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import BIN, free_port

BUILD = os.path.dirname(BIN)


@pytest.fixture(scope="module")
def destdir(tmp_path_factory):
    if not os.path.exists(os.path.join(BUILD, "build.ninja")):
        pytest.skip(f"{BUILD} is not a meson build directory")
    d = tmp_path_factory.mktemp("destdir")
    r = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--destdir", str(d)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    prefix = subprocess.run(["meson", "introspect", "--buildoptions", BUILD],
                            capture_output=True, text=True, timeout=60).stdout
    prefix = re.search(r'"name": "prefix", "value": "([^"]+)"', prefix).group(1)
    return d, prefix


def installed(destdir, *parts):
    d, prefix = destdir
    return os.path.join(str(d), prefix.lstrip("/"), *parts)


def sysconf(destdir):
    d, prefix = destdir
    etc = "etc" if prefix == "/usr" else os.path.join(prefix.lstrip("/"), "etc")
    return os.path.join(str(d), etc)


def test_98_01_install_puts_every_file_in_place(destdir):
    assert os.access(installed(destdir, "bin", "entitled"), os.X_OK)
    assert os.path.isfile(installed(destdir, "share", "man", "man8", "entitled.8"))
    assert os.path.isfile(installed(destdir, "lib", "systemd", "system", "entitled.service"))
    assert os.path.isfile(os.path.join(sysconf(destdir), "default", "entitled"))
    assert os.path.isfile(installed(destdir, "include", "entitled.h"))


def test_98_02_the_man_page_is_the_help_text(destdir):
    page = open(installed(destdir, "share", "man", "man8", "entitled.8")).read()
    assert page.startswith(".TH ENTITLED 8")
    serve_help = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True).stdout
    options = set(re.findall(r"--[a-z][a-z-]+", serve_help))
    assert "--log-format" in options
    for option in options:
        assert option in page, option
    if shutil.which("man"):
        r = subprocess.run(["man", "-l", installed(destdir, "share", "man", "man8",
                                                     "entitled.8")],
                           capture_output=True, text=True, env=dict(os.environ, MANWIDTH="100",
                                                                    MANPAGER="cat"))
        assert r.returncode == 0 and "SERVE" in r.stdout, r.stderr


def test_98_03_the_unit_is_hardened_and_verified(destdir, tmp_path):
    unit = installed(destdir, "lib", "systemd", "system", "entitled.service")
    text = open(unit).read()
    d, prefix = destdir
    assert f"ExecStart={prefix}/bin/entitled serve" in text
    assert "ExecReload=/bin/kill -HUP $MAINPID" in text
    for line in ("Type=notify", "DynamicUser=yes", "StateDirectory=entitled",
                 "ProtectSystem=strict", "NoNewPrivileges=yes"):
        assert line in text.splitlines(), line
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    # A root of its own: the installed files, and the system's own units (sysinit.target...).
    root = tmp_path / "root"
    shutil.copytree(str(d), str(root), symlinks=True)
    os.makedirs(root / "usr" / "lib" / "systemd", exist_ok=True)
    if not (root / "usr" / "lib" / "systemd" / "system" / "sysinit.target").exists():
        shutil.copytree("/usr/lib/systemd/system", str(root / "usr/lib/systemd/system"),
                        symlinks=True, dirs_exist_ok=True)
    # merged /usr, as on Debian 12: /bin is usr/bin, where kill (ExecReload) is
    os.makedirs(root / "usr" / "bin", exist_ok=True)
    if not (root / "bin").exists():
        os.symlink("usr/bin", root / "bin")
    shutil.copy(shutil.which("kill") or "/bin/kill", root / "usr" / "bin" / "kill")
    rel = "/" + os.path.relpath(unit, str(d))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}", rel],
                       capture_output=True, text=True, timeout=120)
    complaints = [line for line in r.stderr.splitlines() if "entitled" in line]
    assert r.returncode == 0 and not complaints, r.stderr
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", f"--root={root}", rel],
                       capture_output=True, text=True, timeout=120)
    exposure = re.search(r"Overall exposure level for entitled.service: ([0-9.]+)", r.stdout)
    assert exposure and float(exposure.group(1)) <= 2.0, r.stdout[-2000:]


def test_98_04_ready_and_stopping_are_told_to_the_service_manager(tmp_path):
    """What systemd does for Type=notify: a datagram socket in NOTIFY_SOCKET; READY=1 comes
    once the daemon accepts connections, STOPPING=1 on SIGTERM, before it exits."""
    path = str(tmp_path / "notify")
    manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    manager.bind(path)
    manager.settimeout(20)
    port = free_port()
    env = dict(os.environ, NOTIFY_SOCKET=path,
               ENTITLED_ADMIN_KEY="test-admin-" + secrets.token_hex(20),
               XDG_STATE_HOME=str(tmp_path))
    proc = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{port}", "--store",
                             f"sqlite:{tmp_path}/s.db"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert manager.recv(256) == b"READY=1"
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # listening by then
        proc.send_signal(signal.SIGTERM)
        assert manager.recv(256) == b"STOPPING=1"
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()
        manager.close()
