namespace Dreaming.Tests;

/// <summary>How the words of a state error are read where the first rules read them wrong: an adjective ending in "ed"
/// after "not found to be", an apostrophe a SQL string literal doubles, pydantic's "Extra inputs are not permitted".</summary>
public sealed class StateErrorReadingTests
{
    // "Not found to be outdated" judges what the thing is, as "not found to be slow" does: the kernel, the version, the
    // quota was found. These words end in "ed" but are adjectives, not something a tool is asked to do to a record.
    [Theory]
    [InlineData("Error: the kernel was not found to be outdated")]
    [InlineData("Error: DatabaseVersion was not found to be outdated (is <num>)")]
    [InlineData("Error: the quota was not found to be limited")]
    [InlineData("Error: the plan is not found to be unlimited")]
    [InlineData("Error: the file was not found to be corrupted")]
    [InlineData("Error: the endpoint was not found to be deprecated")]
    [InlineData("Error: the host was not found to be misconfigured")]
    [InlineData("Error: the driver was not found to be licensed")]
    [InlineData("Error: the device isn't found to be supported")]
    [InlineData("Error: <str> TLS was not found to be supported by your LDAP libraries.")]
    [InlineData("Error: The value of textAlign was not found to be supported. textAlign: <str>")]
    public void An_adjective_ending_in_ed_after_not_found_to_be_judges_a_thing(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // What a tool does to a record stays a participle: the record to update, delete, process was not found.
    [Theory]
    [InlineData("Error: todo was not found to be updated")]
    [InlineData("Error: the record was not found to be deleted")]
    [InlineData("Error: order <id> not found to be processed")]
    [InlineData("Error: reservation not found to be cancelled")]
    [InlineData("Error: invoice not found to be refunded")]
    [InlineData("Error: the document was not found to be archived")]
    [InlineData("Error: the user was not found to be verified")]
    [InlineData("Error: the feature was not found to be enabled")]
    [InlineData("Error: Todo was not found to be updated :(")]
    [InlineData("Error: Memory allocation not found to be freed.")]
    [InlineData("Error: The callback function was not found to be unregistered.")]
    [InlineData("Error: Quiz Not Found To Be Unpublished")]
    [InlineData("Error: Bookmark not found to be unbookmarked")]
    public void A_participle_of_what_a_tool_does_after_not_found_to_be_stays_a_state(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    // A SQL string literal doubles its apostrophes ('role doesn''t exist'): inside a word the two are one.
    [Theory]
    [InlineData("Error: role <str> doesn''t exist")]
    [InlineData("Error: the seat isn''t available")]
    [InlineData("Error: reservation can''t be cancelled after <num> hours")]
    [InlineData("Error: the reservation couldn''t be found")]
    public void An_apostrophe_written_twice_inside_a_word_is_one(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    [Fact]
    public void An_apostrophe_written_twice_inside_a_word_reads_as_one_word() =>
        Assert.Equal(["ROLE", "DOESNT", "EXIST"], StateErrorWords.SignatureWords("role doesn''t exist"));

    [Fact]
    public void Apostrophes_written_twice_at_a_words_edge_still_part_words() =>
        Assert.Equal(["NAME", "ITS", "DONE", "OK"], StateErrorWords.SignatureWords("name ''it''s done'' ok"));

    // A SQL string literal as a tool echoes it: quotes at its edges, an empty literal, a doubled apostrophe inside a name.
    [Theory]
    [InlineData("'it''s'", "ITS")]
    [InlineData("'O''Brien' not found", "OBRIEN NOT FOUND")]
    [InlineData("name = '' and state <> 'x'", "NAME AND STATE X")]
    [InlineData("VALUES ('', 'it''s', '''')", "VALUES ITS")]
    [InlineData("'abc''' doesn''t exist", "ABC DOESNT EXIST")]
    public void A_sql_string_literal_keeps_its_words(string text, string words) =>
        Assert.Equal(words, string.Join(' ', StateErrorWords.SignatureWords(text)));

    // Pydantic 2 rejects an argument the model does not declare with "Extra inputs are not permitted" (Anthropic's API
    // answers so too): a mistake in the call, fixed by other arguments, whatever "not permitted" says elsewhere.
    [Theory]
    [InlineData("Error: Extra inputs are not permitted")]
    [InlineData("Error: messages.<num>.output_config: Extra inputs are not permitted")]
    [InlineData("ValidationError: extra inputs not permitted")]
    public void Pydantics_extra_inputs_are_about_the_call(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // A validator's class name is no word of the call: what it reports is in its message. Rails' and Django's uniqueness
    // checks raise validation errors that report a state (the address is taken), and those stay states; a validator's
    // message about the call is found by its own words (fields, properties, required, invalid).
    [Theory]
    [InlineData("ValidationError: Email has already been taken", true)]
    [InlineData("Error: Validation failed: Email has already been taken", true)]
    [InlineData("ValidationException: the seat is already taken", true)]
    [InlineData("ValidationError: extra fields not permitted", false)]
    [InlineData("jsonschema.exceptions.ValidationError: Additional properties are not allowed (<str> was unexpected)", false)]
    [InlineData("ValidationError: <str> is a required property", false)]
    [InlineData("ArgumentException: upgrade not allowed", false)]
    [InlineData("ArgumentOutOfRangeException: seat not available", false)]
    public void A_validators_class_name_is_read_by_its_message(string signature, bool state) =>
        Assert.Equal(state, StateErrorWords.IsStateError(signature));
}
