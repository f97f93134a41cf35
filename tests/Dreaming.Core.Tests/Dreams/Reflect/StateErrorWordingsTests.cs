namespace Dreaming.Tests;

/// <summary>Wordings of real tool errors read against the state words: "not found to be in" a place (the record is not
/// there, or not in the state expected), and a validator naming a quoted key that "is not allowed" (the call sent it).</summary>
public sealed class StateErrorWordingsTests
{
    // "Not found to be in the database" says the record is not there, as "not found in the database" does ("The toy was not
    // found to be in the database", logged beside "Toy does not exist"; "Some of the variables are not found to be in the
    // dataset"); "not found to be part of", "present" or "in the expected state" report a state too (UEFI's EFI_NOT_FOUND: "The
    // pointer ... was not found to be part of the current memory map"). Calling again does not put the record there.
    [Theory]
    [InlineData("Error: User <id> was not found in the database")]
    [InlineData("Error: Merchant with ID <id> was not found in the database.")]
    [InlineData("UsernameNotFoundException: User <value> was not found in the database")]
    [InlineData("Error: The toy was not found to be in the database")]
    [InlineData("Error: Some of the exogenous variables are not found to be in the dataset; <str>")]
    [InlineData("Error: the reservation was not found to be in the expected state")]
    [InlineData("Error: Pod <str> is not found to be in the Running state")]
    [InlineData("Error: the user isn't found to be on the passenger list")]
    [InlineData("Error: the pointer was not found to be part of the current memory map")]
    [InlineData("Error: the seat was not found to be present on flight <id>")]
    [InlineData("Error: order <id> not found to be within the account")]
    public void Not_found_to_be_in_a_place_or_a_state_is_a_state(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    // A value "not found to be in range" is out of range: the call sent it ("Axis was not found to be in range 1 - 8",
    // ERROR_INVALID_AXIS), and other arguments fix it. Judging words after the place stay judgements.
    [Theory]
    [InlineData("Error: Axis was not found to be in range <num> - <num>")]
    [InlineData("Error: age <num> was not found to be in range")]
    [InlineData("Error: the amount was not found to be within the allowed range")]
    [InlineData("Error: the index was not found to be in bounds")]
    [InlineData("Error: the endpoint was not found to be slow")]
    [InlineData("Error: the value was not found to be in the correct format")]
    [InlineData("Error: The request expects the event time to be within the next <num> days. The event time was not found to be within the next <num> days.")]
    [InlineData("Error: the password was not found to be at least <num> characters long")]
    [InlineData("Error: the departure date was not found to be in the future")]
    [InlineData("Error: the amount was not found to be within the limits of the account")]
    public void Not_found_to_be_in_range_or_judging_a_thing_is_no_state(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // A validator names the key or value the call should not have sent, quoted, as the subject of "is not allowed": Joi's
    // object.unknown ('"token" is not allowed'), jsonschema's draft 4 "not" ("{'const': 'foo'} is not allowed for 'foo'"),
    // signed with the quoted text as <str>. Other arguments fix the call.
    [Theory]
    [InlineData("Error: <str> is not allowed")]
    [InlineData("<str> is not allowed")]
    [InlineData("ValidationError: <str> is not allowed. <str> is required")]
    [InlineData("Error: {<str>: <str>} is not allowed for <str>")]
    [InlineData("Error: <str> isn't allowed")]
    [InlineData("Error: <str>, <str> are not allowed")]
    [InlineData("Error: <str> is not permitted")]
    [InlineData("Error: Additional properties are not allowed (<str> was unexpected)")]
    [InlineData("Error: Additional properties are not allowed ('seat' was unexpected)")]
    [InlineData("Error: Additional items are not allowed (<str>, <str> were unexpected)")]
    public void A_quoted_name_that_is_not_allowed_is_a_mistake_in_the_call(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // As a tool returns them, signed: the quoted key or value becomes <str>.
    [Theory]
    [InlineData("\"token\" is not allowed", false)]
    [InlineData("Error: \"body.speakernotes\" is not allowed", false)]
    [InlineData("{'const': 'foo'} is not allowed for 'foo'", false)]
    [InlineData("Error: Path \".env\" is not allowed", true)]
    [InlineData("Error: The toy was not found to be in the database", true)]
    public void A_raw_error_is_read_by_its_signature(string error, bool state) =>
        Assert.Equal(state, StateErrorWords.IsStateError(ErrorSignature.Normalize(error)));

    // A thing that is not allowed, named by a word of its own before the quote, is a rule or a state of the world: a path
    // outside the project, a model the gateway does not offer, a refund after departure.
    [Theory]
    [InlineData("Error: Path <str> is not allowed")]
    [InlineData("Error: model <str> is not allowed")]
    [InlineData("Error: Access to <str> is not allowed")]
    [InlineData("Error: Partial payment is not allowed for <str>.")]
    [InlineData("Error: upgrade not allowed for basic economy")]
    [InlineData("Error: the order <str> is not allowed to be cancelled")]
    [InlineData("Error: <str> is not allowed to be cancelled after departure")]
    [InlineData("Error: <str> isn't permitted to change its seat")]
    public void A_thing_named_before_its_quote_that_is_not_allowed_stays_a_state(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);
}
