using System.Reflection;

namespace Dreaming.Tests.Storage;

/// <summary>What the four forwarding bases (<see cref="ForwardingTraceStore"/>, <see cref="ForwardingMemoryStore"/>,
/// <see cref="ForwardingDreamRunStore"/>, <see cref="ForwardingWebhookOutboxStore"/>) share: an inner store is required,
/// and none passes on the inner store's other interfaces.</summary>
public sealed class ForwardingStoreBasesTests
{
    public static TheoryData<Type, Type, Type?> Bases => new()
    {
        { typeof(TraceStore), typeof(ForwardingTraceStore), typeof(ISessionWebhookWriter) },
        { typeof(MemoryStore), typeof(ForwardingMemoryStore), typeof(IMemoryWebhookWriter) },
        { typeof(DreamRunStore), typeof(ForwardingDreamRunStore), typeof(IDreamRunWebhookWriter) },
        { typeof(OutboxStore), typeof(ForwardingWebhookOutboxStore), null },
    };

    public static TheoryData<Type> Derived => [typeof(TraceStore), typeof(MemoryStore), typeof(DreamRunStore), typeof(OutboxStore)];

    [Theory]
    [MemberData(nameof(Derived))]
    public void The_inner_store_is_required(Type derived)
    {
        var error = Assert.Throws<TargetInvocationException>(() => Activator.CreateInstance(derived, [null]));

        Assert.Equal("inner", Assert.IsType<ArgumentNullException>(error.InnerException).ParamName);
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public void It_does_not_pass_on_the_inner_stores_other_interfaces(Type derived, Type forwardingBase, Type? webhookMarker)
    {
        // The inner store belongs to its maker (the decorator does not dispose it), and a decorator hides a store's
        // webhook marker, as the library expects of any decorator.
        Assert.True(forwardingBase.IsAssignableFrom(derived));
        Assert.False(typeof(IDisposable).IsAssignableFrom(forwardingBase));
        Assert.False(typeof(IAsyncDisposable).IsAssignableFrom(forwardingBase));
        Assert.True(webhookMarker is null || !webhookMarker.IsAssignableFrom(forwardingBase));
        Assert.True(forwardingBase.IsAbstract);
    }

    private sealed class TraceStore(ITraceStore inner) : ForwardingTraceStore(inner);

    private sealed class MemoryStore(IMemoryStore inner) : ForwardingMemoryStore(inner);

    private sealed class DreamRunStore(IDreamRunStore inner) : ForwardingDreamRunStore(inner);

    private sealed class OutboxStore(IWebhookOutboxStore inner) : ForwardingWebhookOutboxStore(inner);
}
