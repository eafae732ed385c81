"""What a line asks for, in so many words: the phrase cues the intent matcher weighs
beside the semantic layer's reading (an ask for a practice, an everyday speaker ask,
thanks, an ending said with a control word)."""

from __future__ import annotations

import re

# A paraphrase only starts a practice when it is about the person or asks for something:
# "the garage is a total mess" and "play rain sounds" are not requests for a practice.
# A terse ask names no person but names what it wants: "got anything for grief",
# "the morning one", "bereavement meditation".
PERSONAL = re.compile(
    r"\b(i|me|my|myself|mine|we|us|our|let|can|could|would|will|help|guide|start|do|need|"
    r"want|give|gimme|take|walk|lead|try|begin|feel|feeling|practice|practise|meditation|"
    r"meditate|exercise|session|routine|one|version|something|anything|thing|prompt)\b"
)
# An ask for a guided practice in so many words: "take me through something for it",
# "the bedtime one", "a meditation".
ASKS_FOR_PRACTICE = re.compile(
    r"\b(?:practice|practise|meditation|meditate|exercise|session|guided|one for|"
    r"the one(?= for|$)|the (?!only|last|first|other|next|same|right|wrong|little|young|old)"
    r"\w+ one|(?:something|anything) (?:for|to)|(?:take|guide|walk) me through|"
    r"guide me|help me (?:grieve|through|with|sit with|hold|remember|honou?r|be with))\b"
)
# An ask in so many words ("I need five minutes", "can you help me sleep"), not "can't":
# a distress named beside it does not overrule the practice the line asks for.
_ASK_PHRASES = (
    r"i need|i want|i would like|can you|could you|can we|could we|shall we|help me|let us|"
    r"let me|give me|gimme"
)
ASKS_FOR_SOMETHING = re.compile(
    rf"\b(?:{_ASK_PHRASES}|(?:get|go|drop|nod) (?:off )?to sleep|nod off|sleep)\b"
)
# Asking to do a practice in so many words: "can we do the ...", "let's do it", "the X one".
LETS_DO = re.compile(
    r"\b(?:(?:can|could|shall) (?:we|you|i) (?:do|try|start|have)|let us (?:do|try|start)|"
    r"lets (?:do|try|start)|do the|try the|start the|the \w+ one|(?:go|take me) through|"
    r"(?:walk|talk|guide) me through|can you help me|i (?:just )?need something)\b"
)
# An everyday ask of a smart speaker ("frazzled, set a timer for the lasagne", "I'm
# wrecked, give us a recipe"): the tiredness beside it is not a request for a practice.
# Not a practice described by it: "the one named after (or like) the weather", "the break
# where you remind me other people go through this too".
ELSEWHERE = re.compile(
    r"\b(?:set (?:a|an|the|me a) (?:\w+ )?(?:timer|alarm|reminder)|recipes?|"
    r"remind me (?:to|at|in|on|about|tomorrow|tonight|later|when|every)\b|"
    r"shopping list|to (?:the|my) list|forecast|"
    r"(?<!after the )(?<!like the )(?<!not the )weather(?! words?\b)|"
    r"(?:play|put on) (?:some |me some |the |a )?(?:\w+ )?(?:music|songs?|tunes|radio|podcast|"
    r"playlist|album|audiobook|lo fi|lofi|jazz|white noise)|"
    r"what can i (?:give|feed|cook|make)|what (?:time|day) is it|the news|"
    r"turn (?:on|off|up|down) the|call (?:my|mum|mom|dad))\b"
)
# A question, or an everyday ask, about something out there ("what was the samurai ritual
# suicide called", "can you play last goodbye by jeff buckley"): the line opens on it.
ASKS_ABOUT = re.compile(
    r"^(?:what|who|when|where|why|how|is|are|was|were|do|does|did|can you|could you|"
    r"play|put on|tell me)\b"
)
# A song or an album asked for by its title, the whole line ("play heart attack by demi
# lovato", "play the song suicide blonde"): a title's words are no safety statement
# (session 39, writer_ij, read). Never a line that says "i" or "myself": "play something,
# i want to die by the river" is no title.
PLAYS_A_TITLE = re.compile(
    r"(?!.*\b(?:i|myself)\b)(?:(?:hey|okay|ok) \w+ |alexa |siri )?"
    r"(?:(?:can|could|will|would) you )?(?:please )?"
    r"(?:(?:play|put on|stick on|queue up|queue|shuffle) (?:me )?"
    r"(?:the song |the track |the album |the tune |that song |some |a bit of )?"
    r"(?:\w+ ){1,6}(?:by|from) \w+(?: \w+){0,3}"
    r"|(?:play|put on) (?:the song|the track|the tune|the album)(?: \w+){1,6})(?: please)?"
)
# A line whose crisis words sat inside an everyday phrase of the crisis file ("my
# character got unalived in the first five minutes of the stream") is talk about something
# else: it starts a practice only when it asks for something, not because it says "my".
ASKS = re.compile(
    r"\b(can|could|would|let|help|need|want|give|gimme|take|start|do|try|guide|walk|lead|"
    r"begin|please|practice|practise|meditation|exercise|session|something|anything)\b"
)


# A line that opens or closes on thanks, and is otherwise not understood, is thanks:
# "thank you darlin I needed that", "ta very much". The thanks words are skip words (so
# "do the break, thanks" is the break), so the layer never sees them beside other words.
THANKS = "thanks"
_THANKS_WORD = r"(?:thank you|thank u|thankyou|thanks|ta|cheers)"
_ADDRESS = r"(?:love|darling|darlin|mate|pet|hun|bab|babe|dear|kindly|bud|buddy|sweetheart|duck)"
THANKED = re.compile(rf"^{_THANKS_WORD}\b|\b{_THANKS_WORD}(?: (?:so|very) much)?(?: {_ADDRESS})?$")
# Thanks beside an ask of something out there is no thanks to Kindly: "thanks, can you set
# a timer", "cheers mate, what's the weather doing tomorrow" (session 58, my own lines).
_THANKS_WORDS = re.compile(rf"\b{_THANKS_WORD}\b")
_ASKS_OUT = re.compile(
    rf"\b(?:can|could|will|would) you\b|^(?:{_ADDRESS} )?"
    r"(?:what|who|when|where|how|play|put|set|turn|add|remind|tell me)\b"
)


def thanks_only(norm: str) -> bool:
    """The line opens or closes on thanks, and asks nothing of anyone beside it."""
    if not THANKED.search(norm):
        return False
    rest = " ".join(_THANKS_WORDS.sub(" ", norm).split())
    return not (ELSEWHERE.search(rest) or _ASKS_OUT.search(rest))


# Thanks first, then what the person will do or how it went ("thanks, I think I can sleep
# now", "cheers, I'll put my hand on my heart like you said": session 59, my own lines; each
# started the practice its words read as). Not a practice asked for after thanks ("cheers,
# I'll have a break now", "thanks, can we do another"), nor one named before it.
_OPENS_THANKS = re.compile(rf"^{_THANKS_WORD}(?: (?:so|very) much)?(?: {_ADDRESS})? ")
_TELLS = re.compile(r"^(?:(?:so|and|ok|okay|right|well|oh|yeah|now) )*(?:i|we|that|it|this)\b")
_ASKS_MORE = re.compile(
    rf"\b(?:{_ASK_PHRASES}|would you|will you|please|how about|what about|have|take|fancy|"
    r"would love|could do with|nice to|do (?:a|the|one|some)|another|again|more|one for|"
    r"(?:the|that|this) \w+ one)\b"
)


def tells_after_thanks(norm: str) -> bool:
    """Thanks opens the line, and after it the person tells rather than asks."""
    opened = _OPENS_THANKS.match(norm)
    if opened is None:
        return False
    rest = norm[opened.end() :]
    asked = _ASKS_MORE.search(rest) or LETS_DO.search(rest) or ASKS_FOR_PRACTICE.search(rest)
    return bool(_TELLS.match(rest)) and not asked


# ... and thanks with feeling better beside it ("thank you so much, I feel a wee bit better
# now") is thanks, not the low-mood answer the feeling words lean to.
BETTER = re.compile(
    r"^(?!.*\b(?:not|never|no|nothing)\b).*\b(?:feel|feeling|felt|i am|that is|it is|that was|"
    r"it was)\b(?: \w+){0,3} (?:better|calmer|lighter|good|great|lovely|helped|nicer)\b"
)

# Feeling well, with nothing said against it ("feeling great today, the sun is out",
# "I've been feeling much better since I joined the walking group"), is no distress told,
# whatever the feeling words lean to (session 40, writer_ir, read).
FEELING_WELL = re.compile(
    r"^(?!.*\b(?:not|never|no|nothing|but|though|although|until|till|used to|anymore|again|"
    r"except|pretend\w*|fake|faking|supposed)\b).*\b(?:i feel|feeling|i felt|i am)"
    r"(?: (?:so|really|very|much|heaps|loads|a|bit|little|lot|lots|pretty|quite|all|way|super))"
    r"{0,2} (?:better|good|great|strong|happy|amazing|fantastic|brilliant|wonderful|lovely|calmer|"
    r"lighter|chuffed|content|relaxed|chilled)\b(?! (?:at|about|for|to|with|enough)\b)"
)

# A line that opens on a wish that someone else would do something ("I wish someone would
# ring me back about the car insurance", "wouldn't it be nice if somebody did the
# ironing"): what the wish is for is what the line is about (session 40, probe in, read).
WISH_OF_SOMEONE = re.compile(
    r"^(?:(?:oh|gosh|god|honestly|man|ugh|well|so|and|but|just)\s+)*(?:i |we )?"
    r"(?:do |really |just |so |only |sure |still |always )?"
    r"(?:wish|hope|pray|if only|would love it if|would not it be nice if|be nice if|"
    r"would not it be great if|would be nice if)(?: that)? "
    r"(?:someone|somebody|anyone|anybody)(?: else)?\b"
)


def wished_of_someone(norm: str) -> str | None:
    """What a line that opens on a wish of someone else wishes for, or None."""
    found = WISH_OF_SOMEONE.match(norm)
    return norm[found.end() :].strip() if found else None


# A control word said with an ending ("I want it all to stop, for good", "I'd like to skip
# the rest of my life") is not a request to stop a practice: Kindly asks gently instead.
ENDING = re.compile(
    r"\b(?:everything|all of it|it all|for good|forever|for ever|permanently|my life|"
    r"this (?:world|life)|(?:not|never) (?:come|coming) back|goodbye|"
    r"the rest of (?:my life|it all)|(?:done|finished) with (?:it all|everything|life))\b"
)
ENDING_WORDS = 4
# ... unless the words are about what Kindly remembers ("delete everything you remember")
MEMORY = re.compile(r"\b(?:remember|remembered|remembers|memory|history)\b")


def says_ending(norm: str) -> bool:
    """A line of `ENDING_WORDS` or more that names an ending (`ENDING`), not about memory."""
    return (
        len(norm.split()) >= ENDING_WORDS and bool(ENDING.search(norm)) and not MEMORY.search(norm)
    )


# A bare command to the speaker to end what plays ("end it", "that's enough, end it now",
# "nah I'm good, you can end it"): no wish, nobody else named. "End it" is a death wish's
# words too, so it is asked about, and a "no" stops the practice as asked. Not "just end
# it", "please, please end it" or "end it, I'm done": pleas as often as commands.
STOP = "stop"
ENDS_PLAYING = re.compile(
    r"(?!.*\bplease\b.*\bplease\b)"  # "please, please end it" is a plea
    r"(?:(?:ok|okay|right|alright|yeah|yes|no|nah|now|so|um|uh|er|erm|oh|hey|please|kindly|"
    r"(?:that is )?enough|thank you|thanks|i am (?:good|fine)|"
    r"(?:can|could|would|will) (?:you|we)|you can|you could|we can|let us|stop|stop it)\s+)*"
    r"end (?:it|this|that)(?: one| bit| thing)?"
    r"(?:\s+(?:now|then|there|here|please|thanks|thank you|for now|for today|for tonight|"
    r"ok|okay|yeah|cheers|ta|kindly|mate|love|dear|(?:will|would|can|could) you|"
    r"i am (?:good|fine)|that is enough|right now))*"
    # ... and a reason in the room or in the practice, never in the person's life
    r"(?:\s+(?:i am bored|(?:this|it|that) is (?:boring|annoying|rubbish|"
    r"too (?:loud|quiet|slow|fast|long))|"
    r"the voice is (?:annoying|irritating|too (?:loud|quiet|slow|fast))|"
    r"i do not like (?:this|it|that)(?: one)?|wrong one|"
    r"(?:someone|somebody)(?: is)? at the door|the doorbell|the baby(?: is)? crying|"
    r"my (?:kid|son|daughter|baby)(?: is)? (?:up|awake|crying)|(?:the |my )?phone(?: is)? ringing|"
    r"i am on the phone|i am driving|(?:my )?dinner(?: is)? ready|i need the loo|"
    r"and (?:play|start|do|put on) the \w+ one|please and thank you))?"
)


def asks_elsewhere(core: str) -> bool:
    """An everyday speaker ask (a timer, a recipe, music) and no practice asked for."""
    return bool(ELSEWHERE.search(core)) and not ASKS_FOR_PRACTICE.search(core)
