import unittest
from datetime import date

from workdays import add_business_days


class WorkdaysTest(unittest.TestCase):
    def test_within_a_week(self):
        self.assertEqual(add_business_days(date(2024, 3, 4), 2), date(2024, 3, 6))


if __name__ == "__main__":
    unittest.main()
