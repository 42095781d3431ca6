import unittest
from datetime import date

from workdays import add_business_days


class WeekendTest(unittest.TestCase):
    def test_friday_plus_one_is_monday(self):
        self.assertEqual(add_business_days(date(2024, 3, 1), 1), date(2024, 3, 4))

    def test_across_two_weekends(self):
        self.assertEqual(add_business_days(date(2024, 3, 1), 6), date(2024, 3, 11))

    def test_from_a_saturday(self):
        self.assertEqual(add_business_days(date(2024, 3, 2), 1), date(2024, 3, 4))

    def test_zero_days(self):
        self.assertEqual(add_business_days(date(2024, 3, 3), 0), date(2024, 3, 3))

    def test_backwards(self):
        self.assertEqual(add_business_days(date(2024, 3, 4), -1), date(2024, 3, 1))
        self.assertEqual(add_business_days(date(2024, 3, 6), -5), date(2024, 2, 28))


if __name__ == "__main__":
    unittest.main()
