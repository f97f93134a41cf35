namespace Dreaming.AgentView.Tests;

/// <summary>A clock a test sets to any time, earlier ones included (as another instance's clock, or one set back, reads):
/// FakeTimeProvider only goes forward.</summary>
internal sealed class SettableTime(DateTimeOffset now) : TimeProvider
{
    /// <summary>Gets or sets the time it reads.</summary>
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
