import unittest

from wordfreq import top_words


class TopWordsTest(unittest.TestCase):
    def test_most_frequent_first(self):
        self.assertEqual(top_words("b a b", 1), [("b", 2)])


if __name__ == "__main__":
    unittest.main()
