import unittest

import durations


class ModuleTest(unittest.TestCase):
    def test_has_parse_duration(self):
        self.assertTrue(callable(durations.parse_duration))


if __name__ == "__main__":
    unittest.main()
