namespace Dreaming;

/// <summary>An item used more tokens than its <see cref="WorkItem.MaxTokens"/>; never retried.</summary>
internal sealed class ItemBudgetExceededException(string message) : Exception(message);
