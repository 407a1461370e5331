"""Every sentence a student reads exists in Chinese and in English, with the same fields."""
import string

from autograder.messages import LANGUAGES, MESSAGES


def fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_in_every_language_with_the_same_fields():
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), key
        assert fields(texts["zh"]) == fields(texts["en"]), key
