using System.Globalization;

namespace Dreaming;

/// <summary>Options of the <see cref="DreamScheduler"/> that <c>AddDreamSchedule</c> registers: set them in code
/// (<c>services.Configure&lt;DreamSchedulerOptions&gt;(o =&gt; o.PollInterval = TimeSpan.FromMinutes(5))</c>) or bind them
/// from configuration (<c>services.Configure&lt;DreamSchedulerOptions&gt;(configuration.GetSection("Dreaming:Scheduler"))</c>).</summary>
/// <remarks>Validated when the host starts (<c>ValidateOnStart</c>; without a host, when the scheduler is first resolved):
/// a bad value fails with an <c>OptionsValidationException</c> naming the option. Not thread-safe: set the options
/// before the host starts.</remarks>
public sealed class DreamSchedulerOptions
{
    /// <summary>Gets or sets how often the scheduler checks its schedules (<see cref="DreamScheduler.PollInterval"/>).</summary>
    /// <value>The default is one minute; more than zero and at most 49.17:02:47.2940000 (the longest a timer waits).</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Throws when an option is invalid.</summary>
    /// <exception cref="ArgumentException">An option is invalid; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public void Validate()
    {
        if (PollInterval <= TimeSpan.Zero || PollInterval > TimerLimits.LongestWait)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"DreamSchedulerOptions.PollInterval is {PollInterval}; it must be more than zero and at most {TimerLimits.LongestWait}."),
                nameof(PollInterval));
        }
    }
}
