namespace Dreaming.Core.Tests.Import;

public sealed class SessionImportOptionsTests
{
    public static TheoryData<Action<SessionImportOptions>, string> InvalidOptions => new()
    {
        { o => o.IdField = "", nameof(SessionImportOptions.IdField) },
        { o => o.AgentField = " ", nameof(SessionImportOptions.AgentField) },
        { o => o.TaskField = "info..instruction", nameof(SessionImportOptions.TaskField) },
        { o => o.MessagesField = null!, nameof(SessionImportOptions.MessagesField) },
        { o => o.RewardField = "reward.", nameof(SessionImportOptions.RewardField) },
        { o => o.SuccessField = ".success", nameof(SessionImportOptions.SuccessField) },
        { o => o.StartedAtField = "", nameof(SessionImportOptions.StartedAtField) },
        { o => o.EndedAtField = "", nameof(SessionImportOptions.EndedAtField) },
        { o => o.ResponseField = "response..body", nameof(SessionImportOptions.ResponseField) },
        { o => o.DefaultAgentId = "", nameof(SessionImportOptions.DefaultAgentId) },
        { o => o.AgentId = " ", nameof(SessionImportOptions.AgentId) },
        { o => o.ErrorPrefix = "", nameof(SessionImportOptions.ErrorPrefix) },
        { o => o.SuccessThreshold = double.NaN, nameof(SessionImportOptions.SuccessThreshold) },
        { o => o.ErrorHandling = (ImportErrorHandling)7, nameof(SessionImportOptions.ErrorHandling) },
    };

    [Fact]
    public void The_defaults_are_valid()
    {
        var options = new SessionImportOptions();

        options.Validate();
        Assert.Equal(("id", "agent", "task", "messages", "reward", "success"), (options.IdField, options.AgentField, options.TaskField, options.MessagesField, options.RewardField, options.SuccessField));
        Assert.Equal("response", options.ResponseField);
        Assert.Equal(("imported", null, "Error", 1.0, ImportErrorHandling.Atomic), (options.DefaultAgentId, options.AgentId, options.ErrorPrefix, options.SuccessThreshold, options.ErrorHandling));
    }

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void An_invalid_option_is_named_in_the_exception(Action<SessionImportOptions> change, string optionName)
    {
        var options = new SessionImportOptions();
        change(options);

        var exception = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(optionName, exception.ParamName);
        Assert.Contains(optionName, exception.Message, StringComparison.Ordinal);
    }
}
