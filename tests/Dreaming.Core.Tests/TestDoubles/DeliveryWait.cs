namespace Dreaming.Tests;

/// <summary>Waits for a delivery to reach a state, polling the outbox, and fails once ten seconds have gone by: for the
/// tests of a dispatcher running in the background.</summary>
internal static class DeliveryWait
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Waits until the delivery <paramref name="deliveryId"/> of <paramref name="outbox"/> is in <paramref name="state"/>.</summary>
    public static async Task WaitForAsync(IWebhookOutboxStore outbox, string deliveryId, WebhookDeliveryState state)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while ((await outbox.GetAsync(deliveryId))!.State != state)
        {
            Assert.False(timeout.IsCancellationRequested, $"{deliveryId} did not become {state} within {Patience.TotalSeconds} s");
            await Task.Delay(5);
        }
    }
}
