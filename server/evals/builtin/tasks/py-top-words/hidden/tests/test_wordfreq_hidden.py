import unittest

from wordfreq import top_words


class TopWordsHiddenTest(unittest.TestCase):
    def test_case_and_punctuation(self):
        text = "The end. The END is near; the end!"
        self.assertEqual(top_words(text, 2), [("end", 3), ("the", 3)])

    def test_ties_alphabetical(self):
        self.assertEqual(top_words("pear apple fig apple pear fig kiwi", 3), [("apple", 2), ("fig", 2), ("pear", 2)])

    def test_apostrophes_and_digits(self):
        self.assertEqual(top_words("Don't stop. don't STOP 2 2 2", 2), [("2", 3), ("don't", 2)])

    def test_newlines_and_tabs(self):
        self.assertEqual(top_words("one\ttwo\nthree two", 1), [("two", 2)])

    def test_n_bounds(self):
        self.assertEqual(top_words("a b", 10), [("a", 1), ("b", 1)])
        self.assertEqual(top_words("a b", 0), [])
        self.assertEqual(top_words("a b", -1), [])
        self.assertEqual(top_words("", 3), [])


if __name__ == "__main__":
    unittest.main()
