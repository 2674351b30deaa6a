"""The README's Python example, run as the README says, against the broker HERALD_URL names, so that it
cannot go stale."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "..", "README.md")
URL = os.environ.get("HERALD_URL")

# The example connects, publishes and reads one message: seconds at most, on a loaded CI machine.
TIMEOUT_SECONDS = 30


@unittest.skipUnless(URL, "HERALD_URL names no broker (PythonClientTest sets it)")
class ReadmeExampleTest(unittest.TestCase):

    def test_the_readme_example_runs_and_reads_back_what_it_published(self):
        with open(README, encoding="utf-8") as f:
            readme = f.read()
        section = readme[readme.index("## Python client"):]
        example = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "example.py")
            with open(path, "w", encoding="utf-8") as f:
                f.write(example)
            env = dict(os.environ, PYTHONPATH=os.path.join(HERE, ".."))
            run = subprocess.run([sys.executable, path], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True, timeout=TIMEOUT_SECONDS)

        self.assertEqual(run.returncode, 0, run.stdout)
        seq = re.search(r"published as seq (\d+)", run.stdout).group(1)
        self.assertIn("%s {'headline': 'Rates cut'}" % seq, run.stdout)


if __name__ == "__main__":
    unittest.main()
