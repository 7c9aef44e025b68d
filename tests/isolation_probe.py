"""Runs inside the sandbox for tests/test_isolation.py.

Usage: python -I -S -B isolation_probe.py CODE_FD RESULT_FD

Reads Python code from CODE_FD until end of file, runs it with a dict named
`result` in its namespace, and writes `result` as one line of JSON to
RESULT_FD (with "error" set to the exception, if the code raised one).
"""
import json
import os
import sys



def main():
    sys.path.append(os.environ["LOSSEDU_SANDBOX_SITE"])   # numpy, and nothing else
    code_fd, result_fd = int(sys.argv[1]), int(sys.argv[2])
    chunks = []
    while True:
        chunk = os.read(code_fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(code_fd)
    result = {}
    try:
        exec(compile(b"".join(chunks).decode(), "<probe>", "exec"), {"result": result})
    except BaseException as error:   # reported, not raised: the test reads it
        result["error"] = f"{type(error).__name__}: {error}"
    data = (json.dumps(result, default=repr) + "\n").encode()
    while data:
        data = data[os.write(result_fd, data):]


if __name__ == "__main__":
    main()
