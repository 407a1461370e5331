"""Fast tests (`make check`, seconds): no worker, no zygote, no grade subprocess. Each
one checks a part alone: the wire, mistake matching, the class report, reading an export,
the fingerprint, the layout's boundaries and the message catalogue."""
