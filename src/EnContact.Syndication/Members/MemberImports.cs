namespace EnContact.Syndication.Members;

/// <summary>What an import did (or, as a dry run, would do).</summary>
public sealed record MemberImportReport(
    bool DryRun, bool Applied, int Rows, int Created, int Updated, int Reinstated, int Unchanged, int Rejected,
    IReadOnlyList<string> Revoked, IReadOnlyList<MemberImportProblem> Problems);

/// <summary>
/// A members' CSV from its text to its report, shared by the admin API and the verb. Rows that pass
/// are upserted in one transaction; the others are reported by line and column. With
/// <c>revokeAbsent</c> the file is the whole list: active members it does not name are revoked — but
/// only from a file without a single problem, since a row rejected for a typo would otherwise revoke a
/// paying member; such a file applies nothing.
/// </summary>
public sealed class MemberImports(MemberStore store, MagazineTime magazineTime, ILogger<MemberImports> logger)
{
    /// <summary>The report, or why the file cannot be read at all.</summary>
    public async Task<(MemberImportReport? Report, string? Problem)> RunAsync(TextReader csv, bool dryRun, bool revokeAbsent, CancellationToken cancellationToken)
    {
        var parsed = MemberCsv.Parse(csv, magazineTime);
        if (parsed.FileProblem is not null)
            return (null, parsed.FileProblem);
        var problems = parsed.Problems.ToList();
        var rejectedLines = problems.Select(p => p.Line).Distinct().Count();
        var refuse = revokeAbsent && problems.Count > 0;
        if (refuse)
            problems.Add(new MemberImportProblem(0, null, "with revokeAbsent the file must have no problem (a rejected row would revoke a paying member); nothing was applied"));
        var (results, revoked) = await store.ImportAsync(parsed.Rows.Select(r => r.Member).ToList(), revokeAbsent && !refuse, dryRun || refuse, cancellationToken);
        var report = new MemberImportReport(dryRun, !dryRun && !refuse, parsed.Rows.Count + rejectedLines,
            results.Count(r => r == UpsertResult.Created), results.Count(r => r == UpsertResult.Updated),
            results.Count(r => r == UpsertResult.Reinstated), results.Count(r => r == UpsertResult.Unchanged), rejectedLines, revoked, problems);
        logger.LogInformation("Member import{Mode}: {Created} created, {Updated} updated, {Reinstated} reinstated, {Unchanged} unchanged, {Rejected} rejected, {Revoked} revoked",
            report.Applied ? "" : " (nothing applied)", report.Created, report.Updated, report.Reinstated, report.Unchanged, report.Rejected, report.Revoked.Count);
        return (report, null);
    }
}
