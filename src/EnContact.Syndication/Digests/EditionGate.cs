namespace EnContact.Syndication.Digests;

/// <summary>
/// What must hold of an edition's letter before it is queued (signed, unsubscribable, identified,
/// not clipped, bounces coming back to us). The digest knows only this contract; the checks
/// themselves live with the parts they look at (see the Compliance folder).
/// </summary>
public interface IEditionGate
{
    /// <summary>Checks the letter of <paramref name="snapshot"/> as its readers would get it.</summary>
    Task<GateReport> CheckAsync(DigestSnapshot snapshot, CancellationToken cancellationToken);
}

/// <summary>How one check ended. Skipped: it does not apply here (the check says why).</summary>
public enum CheckOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One check of the gate: a stable name (e.g. <c>dkim-verifies</c>), its outcome and, in words, what was found.</summary>
public sealed record GateCheck(string Name, CheckOutcome Outcome, string Detail);

/// <summary>Every check of one edition's letter; it may be queued when none failed.</summary>
public sealed record GateReport(IReadOnlyList<GateCheck> Checks)
{
    public IReadOnlyList<GateCheck> Failures => Checks.Where(c => c.Outcome == CheckOutcome.Failed).ToList();

    public bool Passed => Checks.All(c => c.Outcome != CheckOutcome.Failed);

    /// <summary>The failures as one line, as the edition's reason stores them: "name: detail; name: detail".</summary>
    public string FailureText => string.Join("; ", Failures.Select(c => $"{c.Name}: {c.Detail}"));
}
