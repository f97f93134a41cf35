namespace Dreaming.Tests;

/// <summary>Whether a tool error reports a state that calling again will not change is read from its words, not from
/// letters inside other words.</summary>
public sealed class StateErrorWordsTests
{
    [Theory]
    [InlineData("Error: order is already cancelled")]
    [InlineData("Error: order <id> not found")]
    [InlineData("Error: not enough seats on flight <id>")]
    [InlineData("Error: gift card balance is not enough")]
    [InlineData("Error: certificate cannot be used to update reservation")]
    [InlineData("Error: flight <id> not available on date <date>")]
    [InlineData("Error: user <id> does not exist")]
    [InlineData("Error: user <id> doesn't exist")]
    [InlineData("Error: user <id> doesn’t exist")]
    [InlineData("Error: reservation cannot be cancelled after <num> hours")]
    [InlineData("Error: payment method not found")]
    [InlineData("Error: the fare is no longer offered")]
    [InlineData("Error: card EXPIRED")]
    [InlineData("Error: ALREADY_EXISTS")]
    [InlineData("OrderAlreadyCancelled: <id>")]
    [InlineData("Error: SOLD OUT")]
    [InlineData("Error: upgrade not allowed for basic economy")]
    [InlineData("Error: order is not delivered yet; refunds need a delivered order")]
    [InlineData("Error: the report is not ready yet")]
    [InlineData("Error: payment not yet settled")]
    public void A_state_error_is_found_by_its_words(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    [Theory]
    [InlineData("Error: ORDER_NOT_FOUND")]
    [InlineData("OrderNotFound: <id>")]
    [InlineData("Error: the seat is NotAvailable")]
    [InlineData("Error: HTTPNotFound")]
    [InlineData("E_ALREADY_EXISTS: <id>")]
    [InlineData("NoSuchKey: <str>")]
    [InlineData("ObjectDoesNotExist: <str>")]
    [InlineData("Error: order not-found")]
    [InlineData("Error: the order's already cancelled")]
    [InlineData("Fehler: Größe NotAvailable")]
    public void Words_glued_by_an_underscore_or_in_camel_case_are_words(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    [Theory]
    [InlineData("Error: vendor is not foundation-approved")]
    [InlineData("Error: card unexpired but frozen by the bank")]
    [InlineData("Error: notfound")]
    [InlineData("Error: alreadyé done")]
    [InlineData("Error: the yeti ran off with the order")]
    public void Letters_of_a_state_word_inside_other_words_are_not_a_state_error(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    [Theory]
    [InlineData("Error: flight information not available")]
    [InlineData("Error: reservation already invalidated")]
    [InlineData("Error: Springfield office unavailable")]
    public void Letters_of_an_argument_word_inside_other_words_do_not_hide_a_state_error(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    [Theory]
    [InlineData("Error: Additional properties are not allowed ('seat' was unexpected)")]
    [InlineData("ValidationError: extra fields not permitted")]
    [InlineData("Error: value 'first' is not allowed for argument 'cabin'")]
    [InlineData("Error: field 'passengers' has insufficient items")]
    [InlineData("Error: date not available in the format given")]
    [InlineData("Error: user id already taken; parameters: <str>")]
    [InlineData("Error: seat not available: must be one of <str>")]
    [InlineData("Error: date formatted wrongly; slot not available")]
    [InlineData("Error: parameter 'date' is not set yet")]
    public void An_error_about_the_call_is_not_a_state_error_whatever_state_words_it_holds(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // A number glued to a word is not part of it: ASP.NET Core's StatusCodes.Status404NotFound, a code after the words.
    [Theory]
    [InlineData("Error: Status404NotFound")]
    [InlineData("Error: 409AlreadyExists")]
    [InlineData("Error: OrderNotFound404")]
    public void Digits_glued_to_words_are_words_apart(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    // "Found to be" and "found to have" judge what a thing is ("the endpoint was not found to be slow"): the thing was found,
    // so "not found" there is no state. "Not found to be updated" is still one: the record to update was not found.
    [Theory]
    [InlineData("Error: the endpoint was not found to be slow", false)]
    [InlineData("Error: given id is not found to be of lecture", false)]
    [InlineData("Error: the role was not found to be one of the legacy roles", false)]
    [InlineData("Error: the driver was NOT FOUND TO HAVE a licence", false)]
    [InlineData("Error: the endpoint isn't found to be slow", false)]
    [InlineData("Error: the page was not found to be slow; order <id> not found", true)]
    [InlineData("Error: todo was not found to be updated", true)]
    [InlineData("Error: memory allocation not found to be freed", true)]
    [InlineData("Error: not found: <str>", true)]
    [InlineData("Error: file not found", true)]
    [InlineData("Error: ORDER_NOT_FOUND", true)]
    [InlineData("Error: order not found to cancel", true)]
    [InlineData("Error: order not found", true)]
    [InlineData("Error: the order is not found to be, or is already, cancelled", true)]
    public void Not_found_that_judges_what_a_thing_is_reports_no_state(string signature, bool state) =>
        Assert.Equal(state, StateErrorWords.IsStateError(signature));

    // Words of the call glued to a prefix a tool error really uses (Python's jsonschema module, a record's subfield) or
    // inflected ("formatting", as "formatted") are words of the call; other words that end in one are not ("Springfield").
    [Theory]
    [InlineData("Error: date formatting wrong; slot not available", false)]
    [InlineData("Error: FORMATTING of the seat not allowed", false)]
    [InlineData("jsonschema.exceptions.ValidationError: <str> is not allowed", false)]
    [InlineData("Error: subfield <str> not allowed", false)]
    [InlineData("Error: SUBFIELDS not permitted", false)]
    [InlineData("Error: Springfield office unavailable", true)]
    [InlineData("Error: Sheffield airfield not available", true)]
    [InlineData("Error: seat already taken, see the seat information", true)]
    public void Words_of_the_call_in_compounds_a_tool_error_uses_hide_a_state(string signature, bool state) =>
        Assert.Equal(state, StateErrorWords.IsStateError(signature));

    // Whichever apostrophe a tool writes (U+0027, the typographic U+2019, the modifier letter U+02BC, a mistyped U+2018,
    // grave or acute accent, the fullwidth U+FF07), "doesn't" is the same word; at a word's edge it is a quote mark.
    [Theory]
    [InlineData("Error: user <id> doesn\u2019t exist")]
    [InlineData("Error: user <id> doesn\u02BCt exist")]
    [InlineData("Error: user <id> doesn\u2018t exist")]
    [InlineData("Error: user <id> doesn`t exist")]
    [InlineData("Error: user <id> doesn\u00B4t exist")]
    [InlineData("Error: user <id> doesn\uFF07t exist")]
    [InlineData("Error: order \u02BCnot found\u02BC")]
    public void Any_apostrophe_inside_a_word_is_dropped(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    // Tools write the state words short as often as long: "can't be cancelled" is "cannot be cancelled", "isn't available" is
    // "not available".
    [Theory]
    [InlineData("Error: reservation can't be cancelled after <num> hours")]
    [InlineData("Error: reservation can not be cancelled after <num> hours")]
    [InlineData("Error: certificate can\u2019t be used to update reservation")]
    [InlineData("Error: the seat isn't available")]
    [InlineData("Error: seats aren't available on flight <id>")]
    [InlineData("Error: upgrade isn't allowed for basic economy")]
    [InlineData("Error: a refund isn't permitted after departure")]
    [InlineData("Error: the user isn't eligible for compensation")]
    [InlineData("Error: the cards don't exist")]
    [InlineData("Error: the flight wasn't found")]
    [InlineData("Error: the order isn't found")]
    public void A_state_word_written_short_is_a_state_word(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    // "Could not be found" is as common a wording of a missing record as "not found" (.NET's own "could not be found",
    // REST APIs' "The requested resource could not be found"), with its forms "cannot be found" and "couldn't be found".
    [Theory]
    [InlineData("Error: order <id> could not be found")]
    [InlineData("Error: The requested resource could not be found")]
    [InlineData("Error: user <id> cannot be found")]
    [InlineData("Error: user <id> can't be found")]
    [InlineData("Error: user <id> can not be found")]
    [InlineData("Error: the reservation couldn't be found")]
    [InlineData("Error: the reservation couldn\u2019t be found")]
    [InlineData("Error: the flight <id> was not able to be found")]
    public void A_record_that_could_not_be_found_is_a_state(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    [Theory]
    [InlineData("Error: the field 'seat' could not be found in the request")]
    [InlineData("Error: required argument <str> cannot be found")]
    [InlineData("Error: the endpoint could not be found to be slow")]
    public void Could_not_be_found_of_the_calls_own_words_or_judging_a_thing_is_no_state(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // "Not found" judges what a thing is only where "to be" or "to have" and what it was judged follow it in the same
    // clause: after a full stop, a comma or a line break a new sentence begins ("Table <str> not found. To have the table
    // created ..."), and what is to be done to the thing may be an irregular past participle ("Email not found to be
    // sent"), while a short word ending in "ed", "red", is no participle. The short forms read as their long ones do.
    [Theory]
    [InlineData("Error: Email not found to be sent", true)]
    [InlineData("Error: File not found to be sent.", true)]
    [InlineData("Error: invoice <id> not found to be paid", true)]
    [InlineData("Error: job <id> not found to be run", true)]
    [InlineData("Error: Table <str> not found. To have the table created automatically, set createIfNotExists", true)]
    [InlineData("Error: Phone number not found. To have your own bot, contact the admin", true)]
    [InlineData("Error: order not found; to be safe, check the id", true)]
    [InlineData("Error: order not found\nTo have it restored, contact support", true)]
    [InlineData("Error: the endpoint was not found to be 'slow'", false)]
    [InlineData("Error: the light was not found to be red", false)]
    [InlineData("Error: the endpoint was NOT_FOUND_TO_BE_SLOW", false)]
    [InlineData("Error: the value isn't valid", false)]
    [InlineData("Error: the date wasn't formatted as YYYY-MM-DD; flight not available", false)]
    [InlineData("Error: the payload can't be parsed", false)]
    [InlineData("Error: the seats aren't enough", true)]
    [InlineData("Error: the record was not found to be deleted", true)]
    public void Not_found_judges_a_thing_only_within_one_clause_and_before_what_was_judged(string signature, bool state) =>
        Assert.Equal(state, StateErrorWords.IsStateError(signature));
}
