import unittest

from stats import median


class MedianTest(unittest.TestCase):
    def test_odd_unsorted(self):
        self.assertEqual(median([3, 1, 2]), 2)
        self.assertEqual(median([7]), 7)

    def test_even_is_the_mean_of_the_middle(self):
        self.assertEqual(median([1, 2, 3, 4]), 2.5)
        self.assertEqual(median([10, 0, 4, 6]), 5)

    def test_input_left_alone(self):
        data = [3, 1, 2]
        median(data)
        self.assertEqual(data, [3, 1, 2])

    def test_empty(self):
        with self.assertRaises(ValueError) as caught:
            median([])
        self.assertEqual(str(caught.exception), "median of empty data")


if __name__ == "__main__":
    unittest.main()
