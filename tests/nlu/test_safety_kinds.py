"""Safety kinds beside crisis (abuse, emergency) and the distress intents."""

from __future__ import annotations

import pytest

from skill.content.model import Catalogue
from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize
from skill.nlu.prefilter import word_prefixes
from skill.nlu.safety import safety_check
from skill.nlu.semantic import Prediction


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I can't breathe", "emergency"),
        ("I've got chest pain", "emergency"),
        ("I'm having a heart attack", "emergency"),
        ("I think my husband is having a stroke", "emergency"),
        ("I took too many pills", "crisis"),
        ("I swallowed a bottle of pills", "crisis"),
        ("I was raped", "abuse"),
        ("my partner hits me", "abuse"),
        ("he hits me and I want to die", "crisis"),
        ("he grabbed my throat and said if I tell anyone he'll take the kids", "abuse"),
        ("my ex keeps threatening to take the children", "abuse"),
        ("the neighbour will take the cat after I'm gone", "crisis"),
        ("I want to kill myself", "crisis"),
        ("kms", "crisis"),
        ("I want to unalive myself", "crisis"),
        ("I am depressed", "low_mood"),
        ("I feel worthless", "low_mood"),
        ("my mum died", "grief"),
        ("I'm having a panic attack", "panic"),
    ],
)
def test_safety_and_distress_intents(matcher: IntentMatcher, text: str, intent: str) -> None:
    match = matcher.parse(text)
    assert match.intent == intent
    kind = "safety" if intent in ("crisis", "abuse", "emergency") else "distress"
    assert match.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "my nan nearly had a heart attack when she saw the price",
        "I can't breathe I'm laughing so hard",
        "he beat me at chess again",
        "it's threatening to rain",
    ],
)
def test_idioms_are_not_emergencies_or_abuse(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).kind != "safety"


def test_every_region_has_numbers_for_every_safety_kind(catalogue: Catalogue) -> None:
    check = safety_check(catalogue)
    regions = set(catalogue.safeties["crisis"].regions)
    assert {"us", "ca", "uk", "ie", "eu"} <= regions
    for intent, safety in catalogue.safeties.items():
        assert set(safety.regions) == regions, intent
        for region in regions:
            response = check.response(region, intent)
            spoken = " ".join((response.ask, *response.lines))
            assert any(ch.isdigit() for ch in spoken), (intent, region)
            assert response.region.emergency in spoken, (intent, region)


def test_emergency_says_the_emergency_number_first(catalogue: Catalogue) -> None:
    response = safety_check(catalogue).response("uk", "emergency")
    assert "999" in response.lines[0]


def test_abuse_asks_if_it_is_safe_to_talk(catalogue: Catalogue) -> None:
    response = safety_check(catalogue).response("us", "abuse")
    assert "safe" in response.ask and response.ask.endswith(("?", "stop."))
    assert response.quiet and "911" in response.quiet[0]


def test_a_burden_alone_is_a_check_in_crisis(matcher: IntentMatcher) -> None:
    uncertain = matcher.parse("I felt like a burden at work today")
    assert (uncertain.intent, uncertain.check_in) == ("crisis", True)
    certain = matcher.parse("I'm a burden and I want to die")
    assert (certain.intent, certain.check_in) == ("crisis", False)


def test_panic_answer_does_not_lead_with_holding_the_breath(catalogue: Catalogue) -> None:
    panic = catalogue.distresses["panic"]
    assert "hold" not in panic.answer[0].lower()
    practice = catalogue.practices[panic.practice]
    assert all(getattr(step, "hold", 0) == 0 for step in practice.steps[:4])


@pytest.mark.parametrize(
    ("second", "stands"),
    [("rain", True), ("low_mood", True), (None, False), ("what_is_self_compassion", False)],
)
def test_a_cued_crisis_reading_split_with_pain_stands_below_the_usual_bar(
    matcher: IntentMatcher, second: str | None, stands: bool
) -> None:
    """Crisis at 0.7 beside a practice or distress, with a cue word, is a crisis reading;
    the same split with "nothing" or an answer (the plants are dying) is only asked about
    (a weak cued reading about the person, session 21)."""
    norm = normalize("i think about dying every night")
    p = Prediction("crisis", 0.7, second, 0.25, 1.0)
    reading = matcher.evidence.reading(norm, p, word_prefixes(norm))
    assert reading is not None
    assert reading.check_in is not stands
    uncued = normalize("i think about it every night")
    assert matcher.evidence.reading(uncued, p, word_prefixes(uncued)) is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # session 29: told without naming anything (lines written for this test)
        ("it's a medical emergency", "emergency"),
        ("medical emergency", "emergency"),
        ("my thumb's bleeding really bad, the saw slipped", "emergency"),
        ("she's got a fever and a rash that won't fade under a glass", "emergency"),
        ("her waters have broken and there's blood, she's only thirty weeks", "emergency"),
        (
            "my boyfriend goes through my phone every night and I'm not allowed my own money",
            "abuse",
        ),
        ("he says he'll share my photos if I don't send him more", "abuse"),
        ("I hide the bruises he leaves under my jumper", "abuse"),
        ("haven't opened the curtains in a week, the days just blur together", "low_mood"),
        ("I used to love my running and now I just can't face it", "low_mood"),
        ("I still ring her phone just to hear her voice on the voicemail", "grief"),
        ("our son was stillborn in the spring", "grief"),
        ("the hospice rang this morning, she's gone", "grief"),
        ("my hands are shaking and I'm not even cold and I don't know why", "panic"),
        # session 30: told by what is seen and done (lines written for this test)
        ("grandad's slumped in his chair, cold and clammy and not making sense", "emergency"),
        ("his eyes keep rolling back and he's burning up", "emergency"),
        ("I'm thirty six weeks and I'm bleeding a lot", "emergency"),
        ("boiling water went over his leg and the skin's hanging off", "emergency"),
        ("the right side of my face has gone numb", "emergency"),
        ("she keeps my passport in her drawer and never pays me", "abuse"),
        ("he said he'll take the kids and I'll never see them again if I leave", "abuse"),
        ("my stepdad used to lock me in the cupboard under the stairs", "abuse"),
        ("I told my sister I walked into a door, but it was him", "abuse"),
        ("I just lie on the sofa staring at the ceiling all weekend", "low_mood"),
        ("I've been sleeping fifteen hours a day and I'm still shattered", "low_mood"),
        ("I used to play the piano every evening and now it's gathering dust", "low_mood"),
        ("I set two mugs out this morning out of habit and then remembered", "grief"),
        ("I talk to her photo every night before bed", "grief"),
        ("he's never going to come through that door again", "grief"),
        ("it all went blurry in the supermarket and I had to leave my trolley", "panic"),
        ("the scan showed no heartbeat at twelve weeks", "grief"),
        ("I woke up on his sofa with my top ripped and I don't remember saying yes", "abuse"),
        ("she's wheezing and her inhaler is doing nothing", "emergency"),
        # session 31 (lines written for this test): a heart attack told beside panic's
        # signs; someone down, grey, not moving; a burn; control and food withheld
        ("I'm freaking out, I can't breathe, my chest is crushing and my arm is numb", "emergency"),
        ("I'm panicking and my chest is tight and my left arm is numb", "emergency"),
        ("a lad's come off his bike at the end of the road and he's not moving", "emergency"),
        ("I spilled boiling water on my leg and the skin's come off", "emergency"),
        (
            "I was sure it was a heart attack again but the hospital said it was just anxiety",
            "panic",
        ),
        ("I've been breathing into a paper bag for ten minutes and it's not helping", "panic"),
        ("she keeps telling me no one else would ever want me", "abuse"),
        ("my son won't give me any food until the others have eaten", "abuse"),
        # session 32 (lines written for this test): labour too early, a road accident, a
        # limb the wrong way, blood brought up, a tight chest and clammy, an allergy; a
        # phone checked, money and the car asked for, a threat over the police; the fear
        # of dying in a panic attack
        ("my waters just broke and I'm only thirty two weeks", "emergency"),
        ("my dad's been knocked down by a van and he's lying in the road", "emergency"),
        ("I fell off the ladder and my ankle is pointing the wrong way", "emergency"),
        ("I keep coughing up blood", "emergency"),
        ("my chest has felt tight all afternoon and I've gone clammy", "emergency"),
        ("he's eaten a peanut and his lips are swelling up, where's the epipen", "emergency"),
        ("is it normal for a boyfriend to go through your messages every night", "abuse"),
        ("I have to ask him for money every time I need shampoo", "abuse"),
        ("she says if I call the police they'll take the kids off me", "abuse"),
        ("I'm scared of my own husband", "abuse"),
        ("my heart keeps pounding and I'm convinced I'm going to die", "panic"),
        # session 33 (own words): under a machine, a snake bite, through the ice, caught in
        # machinery, a sudden headache, hit by a car, blue lips, bleeding in pregnancy; a
        # woman who woke undressed, a belt, asking before eating, family kept away, keys
        # taken, bruises like fingers, a bag hidden, locked out
        ("the quad bike tipped and my brother is trapped under it", "emergency"),
        ("my son has just been bitten by a snake in the garden", "emergency"),
        ("the dog ran out and my husband has gone through the ice after her", "emergency"),
        ("his hand's caught in the baler, come quick", "emergency"),
        ("sudden headache came on like a thunderclap and I feel sick", "emergency"),
        ("a kid's been knocked over by a car and he's not moving", "emergency"),
        ("my baby's lips have gone blue", "emergency"),
        ("I'm losing blood and I'm sixteen weeks", "emergency"),
        ("I woke up at his place and my clothes were off and I can't remember", "abuse"),
        ("my stepdad hits us with his belt when he's had a drink", "abuse"),
        ("she makes me ask permission before I eat", "abuse"),
        ("I'm not allowed to see my mum any more, he says she's poison", "abuse"),
        ("he's taken the car keys and my phone and we live miles from anywhere", "abuse"),
        ("there are bruises on my arm the shape of his fingers", "abuse"),
        ("where can I hide a bag so he won't find it", "abuse"),
        ("he locked the door and I had to sleep in the car again", "abuse"),
        ("the skipper knocks us about when he's been drinking", "abuse"),
        ("she threw a plate at me again last night", "abuse"),
        ("the tractor rolled and pinned my leg, I can't get out", "emergency"),
        # session 34 (own words): calls listened in on; made to sign papers; a photo of
        # where she is; a plate thrown then sorry; a phone smashed; "our secret"; cornered
        # and touched; someone on top of her on waking; keys taken; a bag packed; eggshells;
        # the heater and everyone sick; a pacemaker and an irregular heart; low sugar; a
        # baby coming too fast
        ("she listens in on all my phone calls and won't let me ring my brother", "abuse"),
        ("my son keeps making me sign papers i can't read, it's about my house", "abuse"),
        ("i have to send him a selfie of where i am whenever he asks", "abuse"),
        ("he smashed a glass against the wall last night then cried and said sorry", "abuse"),
        ("she broke my phone so i couldn't call anybody", "abuse"),
        ("the coach told me it was our little secret and i'd be in trouble if i told", "abuse"),
        ("my manager keeps cornering me in the stockroom", "abuse"),
        ("i woke up and my flatmate's boyfriend was on top of me", "abuse"),
        ("he won't let me drive now, he's hidden the car keys", "abuse"),
        ("i keep a bag packed at my sister's in case me and the kids need to leave fast", "abuse"),
        ("i'm walking on eggshells every day, one wrong word and he kicks off", "abuse"),
        ("the gas heater's been on all night and we've all got headaches now", "emergency"),
        ("my dad's heart is going all over the place and he has a pacemaker", "emergency"),
        ("my sugar levels are dropping fast and i'm all sweaty", "emergency"),
        ("her waters broke and the baby's coming, we won't make it in time", "emergency"),
        ("i think i just drank some bleach by accident, it was in a juice bottle", "emergency"),
        # a heavy heart, a shadow of oneself; grieving someone still alive, the school year
        # they would have started, a show watched together, a number on speed dial
        ("I've had a heavy heart all week and I can't shift it", "low_mood"),
        ("since the operation I'm a shadow of who I used to be", "low_mood"),
        ("how do I grieve someone who's still alive, dad has dementia now", "grief"),
        ("she would have started secondary school this september", "grief"),
        (
            "I can't watch the quiz shows any more, we always watched them together",
            "grief",
        ),
        ("her number's still on my speed dial", "grief"),
        # session 35 (own words): a passport kept from a worker; a false accusation
        # threatened; "it's him that hits me"; every receipt shown; hit and told not to
        # tell; stalked since leaving; a pension under power of attorney; social services
        # threatened; a child into tablets; blood from the ear after a fall; a finger nearly
        # off; a knock on the head and drowsy; stitches split; a drug taken twice; skin off
        ("the boss keeps my passport and i work seven days with no day off", "abuse"),
        ("he says he'll tell the police i hit him if i ever leave", "abuse"),
        ("it's him that hits me, not the other way round", "abuse"),
        ("she gives me fifty quid a week and i have to show her every receipt", "abuse"),
        ("the man at football hits us and says we better not tell", "abuse"),
        ("my ex has been following me since i left him", "abuse"),
        ("my nephew has power of attorney and i've not seen a penny of my pension", "abuse"),
        ("whenever i try to leave she threatens she will ring social services", "abuse"),
        ("my little one got into the dishwasher tablets", "emergency"),
        ("grandad fell off the ladder and there's blood coming out of his ear", "emergency"),
        ("i sliced my finger with the mandoline and it's nearly off", "emergency"),
        ("he got a nasty knock on the head at hurling and now he's really drowsy", "emergency"),
        ("her stitches have split open and she's bleeding a lot", "emergency"),
        ("i've had my methadone twice by accident", "emergency"),
        ("burnt my hand on the oven tray and the skin came clean off", "emergency"),
        # he or she died somewhere; someone buried; a loss felt again; nobody to talk to;
        # not a word to anyone; why not just happy; "ground me"; worry not switched off;
        # trembling too much; a heart that starts thumping and sure of dying
        ("he passed away at the hospice last night", "grief"),
        ("we buried my grandad this morning", "grief"),
        ("clearing out her room felt like losing her all over again", "grief"),
        ("i've got nobody to talk to these days", "low_mood"),
        ("i've not spoken to anyone in days", "low_mood"),
        ("why can't i just be normal", "low_mood"),
        ("ground me please, i'm losing it", "panic"),
        ("the worries keep coming and i can't switch my brain off", "panic"),
        ("i'm trembling that badly i can't hold the cup", "panic"),
        ("every night my heart starts thumping and i'm convinced i'm dying", "panic"),
        ("he's come off his bike and he's out cold", "emergency"),
        ("my daughter got into my tablets and i don't know how many she took", "emergency"),
        ("my anxiety is through the roof today", "panic"),
        ("i've gone all hot and dizzy in this crowd", "panic"),
        ("i can't breathe whenever i think about the exam", "panic"),
        # session 36 (own words): a phone or hearing aids taken so nobody can be called or
        # heard; the bungalow signed over; stood over till the pension is handed over;
        # shouting through the letterbox; a bank card emptied; "he knows where i live"; a
        # child into the cupboard under the sink; a fall and no way up; boiling water and
        # blisters; poison enough for the person; a death scene wished real
        ("my son took my phone off me so i can't call anyone", "abuse"),
        ("he hides my hearing aids so that i can't hear the doorbell", "abuse"),
        ("my grandson made me sign the bungalow over to him", "abuse"),
        ("she stands over me until i give her my pension", "abuse"),
        ("someone keeps shouting through my letterbox at night", "abuse"),
        ("my carer has been using my bank card and hundreds have gone", "abuse"),
        ("the man i owe money to said he knows where i live", "abuse"),
        ("the toddler drank something out of the cupboard under the sink", "emergency"),
        ("i had a fall in the kitchen and i can't get up", "emergency"),
        ("i tipped boiling water down my leg and it's blistering", "emergency"),
        ("there's enough rat poison in the shed to do me as well", "crisis"),
        ("i keep practising my death scene and part of me wishes it was real", "crisis"),
        # glasses snapped so the post can't be read; kicked at work; a cat kicked as a
        # warning; locked in with the key taken; a threat over reporting an accident;
        # someone on the path not breathing; too many tablets given by mistake; a baby
        # floppy with a fever; a hip broken; ashes scattered; angry at someone for dying;
        # a miscarriage
        ("he snapped my glasses so i can't read my post", "abuse"),
        ("the supervisor kicks us when we are too slow on the line", "abuse"),
        ("she kicked the cat to show me what happens if i talk back", "abuse"),
        ("he locks me in and takes the key to work with him", "abuse"),
        ("the gaffer said if i report the accident i'll lose my job", "abuse"),
        ("grandad's lying on the path and he's not breathing", "emergency"),
        ("i gave her too many of her heart tablets by mistake", "emergency"),
        ("the baby's burning up and she's gone all floppy", "emergency"),
        ("i think my hip is broken, i slipped on the ice", "emergency"),
        ("we scattered his ashes at the lake last spring", "grief"),
        ("i'm so angry with her for dying", "grief"),
        ("i miscarried last month", "grief"),
        # session 37 (own words): a phone hidden and a voice kept low; a refuge found in
        # secret; the children threatened if the person divorces; an order broken; a
        # landlord who lets himself in; washing-up liquid drunk; a scald blistering; an
        # allergy eaten and breath short; a wish to be with someone dead; a rope bought;
        # two coffees poured from habit; a funeral's song heard again; the first Christmas
        # without someone; "he was only twenty"; a due date; pretending to be fine; the
        # telly on for company; nothing to show for fifty years
        ("he has hidden my phone again so i'm talking quietly", "abuse"),
        ("can i find a women's refuge without him knowing", "abuse"),
        ("he says if i divorce him he'll take the kids away", "abuse"),
        ("he broke the restraining order last night", "abuse"),
        ("my landlord keeps letting himself in", "abuse"),
        ("my son drank the washing up liquid", "emergency"),
        ("i've scalded my arm with the kettle and it's blistering badly", "emergency"),
        ("he's allergic to nuts, he ate a biscuit and now he's struggling to breathe", "emergency"),
        ("after she died i feel i should just be with her now", "crisis"),
        ("there's a rope in the boot of my car, i bought it yesterday", "crisis"),
        ("i still keep pouring two coffees every morning", "grief"),
        ("they played our song at the funeral and i heard it in the shop and had to go", "grief"),
        ("it's the first christmas he's not here for", "grief"),
        ("i still can't believe it, he was only twenty", "grief"),
        ("it would've been our due date today", "grief"),
        ("honestly i'm sick of pretending everything is fine", "low_mood"),
        ("i leave the telly on all day just for the company", "low_mood"),
        ("i'm fifty and i've got nothing to show for it", "low_mood"),
        # session 37 (own words, as men and lads who play it down say it): a wife who gets
        # handy, plates thrown, clipped round the head, fingers shut in a door, a black eye
        # off a girlfriend, a door blamed at the doctor's, a husband reported, money asked
        # for, things done by a coach, held down, keys and phone taken, battered again; an
        # ambulance asked for, a fall in the shower, an angle grinder, a weight on the chest,
        # the bottom of the stairs, a peanut and swelling lips, no pulse, blood lost
        ("my wife gets a bit handy after a few drinks", "abuse"),
        ("he threw plates at me again last night", "abuse"),
        ("the gaffer clipped me round the head", "abuse"),
        ("she shut my fingers in the car door on purpose", "abuse"),
        ("i got this black eye off my girlfriend", "abuse"),
        ("i told the doctor i walked into a door", "abuse"),
        ("how do i report my own husband to the police", "abuse"),
        ("i have to ask my son for my own money", "abuse"),
        ("when i was a boy the coach did things to me", "abuse"),
        ("they held me down and did stuff", "abuse"),
        ("my grandson took my keys and my phone so i'm staying in", "abuse"),
        ("my dad battered me again", "abuse"),
        ("please call an ambulance", "emergency"),
        ("i slipped in the shower and i can't get up", "emergency"),
        ("he's cut his arm with the angle grinder, it's pumping", "emergency"),
        ("feels like a ton of bricks on my chest and i'm sweating", "emergency"),
        ("my neighbour is lying at the bottom of the stairs", "emergency"),
        ("she ate a peanut and her lips are swelling", "emergency"),
        ("i can't find a pulse", "emergency"),
        ("he's losing so much blood", "emergency"),
    ],
)
def test_distress_and_safety_told_in_other_words(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.parse(text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "this chemistry exam is gonna kill me lol",
        "the commute is going to kill me this week",
        "the flight was diverted because of a medical emergency",
        "play emergency by paramore",
        "help me write a sympathy card for my colleague",
        # session 30: someone else's overdose, a story, hyperbole
        "when did judy garland overdose",
        "the overdose in bed four is asking for toast",
        "my cousin survived an overdose years ago and now she's a counsellor",
        "we watched a film where the hero's best friend overdoses",
        "launching that product in december was commercial suicide",
        "I'm writing an essay on suicide in victorian novels",
        "my sister used to self harm at uni but she's doing great now",
        "in this level you have to jump off the cliff to get the key",
        "I overdosed on chocolate cookies at the party",
        "kill me now, the in-laws are staying for a fortnight",
        "the electricity bill came and I liked to had a stroke",
        "I was crying laughing, I couldn't breathe",
        "I'm so bored I could literally die",
        "I've got two weeks of my blood pressure tablets left",
        "I nearly choked on my tea when he said that",
        "I fell off my bike this morning, nothing broken",
        # session 31: a kitchen burn, first-aid practice
        "I burned my arm on the chip pan making tea, it's stinging",
        "we practised chest compressions at first aid, my arms are dead",
        # session 32: a work goodbye, a song heard too often, a dead relative's accounts
        "it was my last day at the office, I said goodbye to everyone and had cake",
        "if I have to hear this song one more time I'm going to kill myself",
        "how do I close a dead person's bank account",
        # session 33: a film's road accident, a pet bitten, a game on ice, hyperbole at work
        "overtime's killing me but the money's decent",
        "the snake at the zoo was fed a mouse and the kids loved it",
        "my fingers got caught in the car door last year, all healed now",
        # session 34: a surprise kept secret, a toddler's dinner, a pacemaker check, a bag
        # packed for hospital (own words)
        "dad said it's our secret, we're planning mum's surprise party",
        "the toddler threw his dinner at the wall and laughed",
        "gran's pacemaker check went fine today",
        "i've got my hospital bag packed just in case the baby comes early",
        # session 35: a parent and a phone bill; legs after a class; a time capsule (own
        # words)
        "if my mum sees this phone bill she'll kill me",
        "that spin class wrecked me, i can't feel my legs",
        "we buried our time capsule in the garden",
        "collapsed on the sofa and i'm not moving till tomorrow",
        "there's blood everywhere, the beetroot went all over the board",
        "i choked on the eighteenth hole again",
        # session 36: a photo, a game, a cut leg, a game's bleed-out, death notices, a
        # famous death, a leaflet, weeds (own words)
        "my granddaughter's going to kill me if i post this photo of her",
        "my brother is going to kill me at chess tonight",
        "cut my knee on the garden fence, it's just a graze",
        "how do i revive my squad when they bleed out in warzone",
        "read me the death notices in the local paper",
        "what was the cause of death for marilyn monroe",
        "the leaflet at the surgery lists the signs of a stroke",
        "the brambles are choking the apple tree",
        "i'm doing a school project about domestic violence laws",
        "since she passed her driving test she never walks anywhere",
        "he locked the door and took the keys, we were off on holiday",
        "the poster in the waiting room shows the signs of a stroke",
        # session 37: a dead man walking if a bill is seen; a patient lost on a shift;
        # a hymn for a church service (own words)
        "i'm a dead man walking if my wife sees this credit card bill",
        "we lost a patient on the ward tonight but that's the job",
        "what hymn should we sing at the service on sunday",
        "she throws things away when she tidies up",
        "he battered me at darts again",
        "my son is training to be an ambulance driver",
        "i burnt my hand on the oven tray, it's blistered",
        "he lost a lot of blood in the accident last year but he's fine now",
    ],
)
def test_hyperbole_or_an_emergency_or_death_told_of_is_not_safety(
    matcher: IntentMatcher, text: str
) -> None:
    match = matcher.parse(text)
    assert match.kind != "safety"
    assert match.intent not in ("abuse", "emergency", "grief")


def test_a_threat_from_a_person_stays_abuse(matcher: IntentMatcher) -> None:
    assert matcher.parse("this guy at work keeps saying he's going to kill me").intent == "abuse"
    # the weather is no person, whatever is said between (session 37)
    assert matcher.parse("the humidity out there today is going to kill me").intent != "abuse"


def test_a_threat_said_without_an_apostrophe_is_still_abuse(matcher: IntentMatcher) -> None:
    """ "hed" is "he would" (session 39, writer_ij): the threat is read, not passed over."""
    assert matcher.parse("my flatmate said hed stab me if i told the landlord").intent == "abuse"


def test_a_song_asked_for_by_its_title_is_no_safety_statement(matcher: IntentMatcher) -> None:
    """A title's words, the whole line a play ask (session 39, writer_ij); a line that
    says "i" is never taken for a title."""
    for text in ("play heart attack by demi lovato", "play the song heart attack"):
        assert matcher.parse(text).intent is None, text
    assert matcher.parse("play something, i want to die by the river tonight").intent == "crisis"


def test_a_wish_that_someone_would_kill_me_is_crisis_not_a_threat(
    matcher: IntentMatcher,
) -> None:
    """A passive death wish (session 38's note, fixed in 39): the crisis response with its
    helpline, not the abuse response the threat "someone would kill me" gets."""
    for text in ("I wish someone would kill me", "i keep hoping somebody will just kill me"):
        got = matcher.parse(text)
        assert (got.intent, got.check_in) == ("crisis", False), text
    assert matcher.parse("he said someone would kill me if i talked").intent == "abuse"


def test_a_sure_emergency_reading_naming_nobody_gives_the_emergency_number(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line like "crushing in the chest, like a truck parked there" names nobody: a near-certain
    emergency reading with an emergency word stands; without the word it does not. (Session
    46: "like a truck parked on it" is now the emergency file's own pattern.)"""
    text = "crushing weight on the chest like a truck parked there"
    sure = Prediction("emergency", 0.97, None, 0.0, 1.0)
    monkeypatch.setattr(matcher.semantic, "predict", lambda core: sure)
    match = matcher.parse(text)
    assert (match.intent, match.impersonal) == ("emergency", True)
    assert matcher.parse("crushing weight like a truck parked on the road").intent is None


@pytest.mark.parametrize(("crisis", "asked"), [(0.6, True), (0.4, False)])
def test_a_weak_crisis_reading_beside_distress_is_asked_when_more_likely_than_not(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch, crisis: float, asked: bool
) -> None:
    """Too weak for the crisis response, with low mood beside it: more likely than not,
    a check-in that carries low mood for a "no"; less, the low-mood answer."""
    text = "the washing sits there for days and I can't face any of it"
    reading = Prediction("crisis", crisis, "low_mood", 0.3, 1.0)
    monkeypatch.setattr(matcher.semantic, "predict", lambda core: reading)
    match = matcher.parse(text)
    if asked:
        assert (match.intent, match.check_in, match.alternative) == ("crisis", True, "low_mood")
    else:
        assert (match.intent, match.kind, match.check_in) == ("low_mood", "distress", False)


def test_a_weak_crisis_reading_beside_a_distress_named_outright_gets_its_answer(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Low mood in the words of its patterns ("the days all blur together"): its answer,
    which points to the helpline, even with crisis the likelier reading."""
    reading = Prediction("crisis", 0.6, "low_mood", 0.3, 1.0)
    monkeypatch.setattr(matcher.semantic, "predict", lambda core: reading)
    match = matcher.parse("the days all blur together and I can't face any of it")
    assert (match.intent, match.kind, match.check_in) == ("low_mood", "distress", False)


@pytest.mark.parametrize(
    "text",
    [
        "my brother took an overdose last year and I want to do the same",
        "I lost my dad to suicide and I want to be with him",
        "my sister used to self harm and now I do it too",
        "I want to die when I think of tomorrow",
    ],
)
def test_a_wish_to_follow_beside_someone_elses_story_stays_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).intent == "crisis"


def test_an_emergency_told_in_two_overlapping_phrases_is_not_left_to_the_crisis_file(
    matcher: IntentMatcher,
) -> None:
    # "diabetic ... fainted" and "fainted and will not wake up" overlap: cutting only the
    # first left "will not wake up" for the crisis file, and the suicide line answered
    line = "my husband is diabetic and he fainted and will not wake up"
    assert matcher.parse(line).intent == "emergency"
    assert matcher.parse("my dad is diabetic, he passed out and isn't responding").intent == (
        "emergency"
    )
    # the speaker's own wish beside it stays crisis
    assert matcher.parse("my partner hits me and I don't want to wake up").intent == "crisis"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # panic named as a thing one gets, in the English of someone who learned it later
        ("on the bus every morning i get panic and must go off", "panic"),
        ("when i see the letters from the bank i feel panic", "panic"),
        # sure of dying, said without "like", and named as panic
        ("my heart go so fast and i think i will die, it is panic the doctor say", "panic"),
        ("at night i feel i will die but it is only panic", "panic"),
    ],
)
def test_panic_said_plainly_by_a_second_language_speaker(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.parse(text).intent == intent


def test_a_panic_button_or_panic_buying_is_no_panic(matcher: IntentMatcher) -> None:
    assert matcher.parse("i got panic buying in my head, where is the toilet roll").intent != (
        "panic"
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("feeling great today, the sun is out", None),
        ("i've been feeling so much better since i started swimming", None),
        ("i am all good today, feeling strong", None),
        # something said against it: the distress stands
        ("i felt better for a while but now it's all come back", "low_mood"),
        ("i used to feel happy, i can't remember how", "low_mood"),
        ("i'm good at hiding how empty i feel", "low_mood"),
    ],
)
def test_feeling_well_is_no_distress_whatever_the_feeling_words_lean_to(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch, text: str, intent: str | None
) -> None:
    reading = Prediction("low_mood", 0.9, None, 0.1, 1.0)
    monkeypatch.setattr(matcher.semantic, "predict", lambda core: reading)
    assert matcher.parse(text).intent == intent
