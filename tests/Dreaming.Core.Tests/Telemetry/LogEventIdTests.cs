using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Dreaming.Tests;

public class LogEventIdTests
{
    [Fact]
    public void Every_log_message_of_the_library_has_an_event_id_of_its_own()
    {
        // A host filters or alerts on event ids; two messages sharing one (as the memory injector and the dream jobs once
        // did) cannot be told apart.
        var messages = typeof(AgentSessionOptions).Assembly.GetTypes()
            .Concat(typeof(DreamingOptions).Assembly.GetTypes())
            .Distinct()
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Select(method => (Method: $"{method.DeclaringType!.Name}.{method.Name}", Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        Assert.True(messages.Count > 30, $"only {messages.Count} log messages found");
        var shared = messages.GroupBy(m => m.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}")
            .ToList();
        Assert.True(shared.Count == 0, "event ids used more than once: " + string.Join("; ", shared));
    }
}
