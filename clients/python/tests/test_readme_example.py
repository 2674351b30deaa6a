"""The README's Python examples, run as the README says, so that they cannot go stale: the first against the
plain node HERALD_PLAIN_URL names, the TLS one against the secure node of HERALD_URL, with the CA of
HERALD_TEST_CA_FILE as the ca.pem it names (PythonClientTest sets all three)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "..", "README.md")
URL = os.environ.get("HERALD_URL")
PLAIN_URL = os.environ.get("HERALD_PLAIN_URL")
CA_FILE = os.environ.get("HERALD_TEST_CA_FILE")

# An example connects, publishes and reads or is refused: seconds at most, on a loaded CI machine.
TIMEOUT_SECONDS = 30


def examples():
    with open(README, encoding="utf-8") as f:
        readme = f.read()
    section = readme[readme.index("## Python client"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def run(example, url, files=()):
    """Runs ``example`` as ``example.py`` in a fresh directory holding ``files``; its exit code and output."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "example.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(example)
        for source, name in files:
            shutil.copy(source, os.path.join(tmp, name))
        env = dict(os.environ, PYTHONPATH=os.path.join(HERE, ".."), HERALD_URL=url)
        done = subprocess.run([sys.executable, path], cwd=tmp, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=TIMEOUT_SECONDS)
        return done.returncode, done.stdout


class ReadmeExampleTest(unittest.TestCase):

    def test_the_python_section_has_the_plain_the_group_the_pattern_and_the_tls_example(self):
        self.assertEqual(len(examples()), 4)

    @unittest.skipUnless(PLAIN_URL, "HERALD_PLAIN_URL names no broker (PythonClientTest sets it)")
    def test_the_readme_example_runs_and_reads_back_what_it_published(self):
        code, output = run(examples()[0], PLAIN_URL)
        self.assertEqual(code, 0, output)
        seq = re.search(r"published as seq (\d+)", output).group(1)
        self.assertIn("%s {'headline': 'Rates cut'}" % seq, output)

    @unittest.skipUnless(PLAIN_URL, "HERALD_PLAIN_URL names no broker (PythonClientTest sets it)")
    def test_the_group_example_works_a_job_and_acks_an_audit(self):
        code, output = run(examples()[1], PLAIN_URL)
        self.assertEqual(code, 0, output)
        self.assertIn("job {'id': 7} delivery 1", output)
        self.assertRegex(output, r"audited and acked seq \d+")

    @unittest.skipUnless(PLAIN_URL, "HERALD_PLAIN_URL names no broker (PythonClientTest sets it)")
    def test_the_pattern_example_gets_the_matching_topics(self):
        code, output = run(examples()[2], PLAIN_URL)
        self.assertEqual(code, 0, output)
        self.assertEqual(output, "orders.eu 1\norders.us 1\n")

    @unittest.skipUnless(URL and CA_FILE, "HERALD_URL and HERALD_TEST_CA_FILE name no secure broker")
    def test_the_tls_example_runs_as_the_url_user_and_is_refused_the_denied_topic(self):
        code, output = run(examples()[3], URL, [(CA_FILE, "ca.pem")])
        self.assertEqual(code, 0, output)
        self.assertRegex(output, r"authenticated as \w+\npublished as seq \d+\nrefused: forbidden\n")


if __name__ == "__main__":
    unittest.main()
