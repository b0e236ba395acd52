from haystack.backends.whoosh_backend import WhooshEngine as VietnameseWhooshEngine  # noqa
