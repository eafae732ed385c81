"""Home Assistant Assist: Kindly as a Wyoming *handle* service (a conversation agent).

`agent` decides the reply to one transcript with Kindly's own understanding (the same
IntentMatcher as `kindly parse`), safety first; `server` speaks the Wyoming protocol;
`advertise` announces the service with zeroconf when asked to; `offer` asks a Kindly
speaker (over MQTT) whether to guide a whole practice. Transcripts stay in memory.
"""
