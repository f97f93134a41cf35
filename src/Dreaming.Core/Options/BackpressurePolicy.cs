namespace Dreaming;

/// <summary>What the trace writer does when its queue is full because the store cannot keep up.</summary>
public enum BackpressurePolicy
{
    /// <summary>The recording call waits for room in the queue: nothing is lost, the agent slows down.</summary>
    Wait = 0,

    /// <summary>The event is dropped and counted (on the session and in the <c>dreaming.events.dropped</c> metric): the agent never waits.</summary>
    Drop = 1,
}
