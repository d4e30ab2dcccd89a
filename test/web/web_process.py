"""mugai-web for the console's Python tests (browser_test.py, limits_test.py):
a free port to put in the config, and the server started in the
background, waited for until it says where it listens."""
import socket
import subprocess
import time


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def start_web(mugai_web, config, log_path):
    """Starts `mugai_web -c config` (stderr to log_path); returns (process, url),
    or (process, None) when it did not say it listens within 10 s."""
    log = open(log_path, "w+")
    web = subprocess.Popen([mugai_web, "-c", config], stderr=log)
    for _ in range(100):
        log.seek(0)
        for line in log:
            if line.startswith("mugai-web listening on "):
                return web, line.split()[3].rstrip("/")
        time.sleep(0.1)
    return web, None
