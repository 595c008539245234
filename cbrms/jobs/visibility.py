"""Who sees a job: its organization. Within it, the API and the pages narrow to the person's
own jobs unless they may manage the organization's (``cbrms.jobs.selectors``)."""

from cbrms.jobs.models import Job
from cbrms.tenancy.scopes import scope_rule


@scope_rule(Job)
def organization_jobs(queryset, organization):
    return queryset.filter(organization=organization)
