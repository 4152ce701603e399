namespace EnContact.Syndication.Delivery;

/// <summary>How a failure class is stored and shown: "mailbox", "mailbox-full", "policy", "content", "system", "other".</summary>
public static class FailureClassText
{
    public static string Of(BounceClass failureClass) => failureClass switch
    {
        BounceClass.Mailbox => "mailbox",
        BounceClass.MailboxFull => "mailbox-full",
        BounceClass.Policy => "policy",
        BounceClass.Content => "content",
        BounceClass.System => "system",
        _ => "other",
    };

    /// <summary>Classes that say nothing against the reader's address (soft bounces).</summary>
    public static readonly IReadOnlyList<string> Soft = ["mailbox-full", "policy", "content", "system", "other"];
}
