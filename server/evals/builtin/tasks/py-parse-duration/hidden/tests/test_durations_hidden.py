import unittest

from durations import parse_duration


class ParseDurationTest(unittest.TestCase):
    def test_single_units(self):
        self.assertEqual(parse_duration("90s"), 90)
        self.assertEqual(parse_duration("5m"), 300)
        self.assertEqual(parse_duration("2h"), 7200)
        self.assertEqual(parse_duration("2d"), 172800)

    def test_combined(self):
        self.assertEqual(parse_duration("1h30m"), 5400)
        self.assertEqual(parse_duration("1h 15m 10s"), 4510)
        self.assertEqual(parse_duration(" 1D2H "), 93600)
        self.assertEqual(parse_duration("0s"), 0)

    def test_refused(self):
        for bad in ["", "   ", "10", "m", "5x", "1m1m", "1s1m", "1h-5m", "1.5h", "h1"]:
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    parse_duration(bad)


if __name__ == "__main__":
    unittest.main()
