import fp from 'fastify-plugin';
import type { Artifact, PrismaClient } from '@anet/db';

export interface ArtifactsRepository {
  list(jobId: string): Promise<Artifact[]>;
  find(jobId: string, name: string): Promise<Artifact | null>;
}

declare module 'fastify' {
  interface FastifyInstance {
    artifacts: ArtifactsRepository;
  }
}

export function createArtifactsRepository(prisma: PrismaClient): ArtifactsRepository {
  return {
    list: (jobId) => prisma.artifact.findMany({ where: { jobId }, orderBy: { name: 'asc' } }),
    find: (jobId, name) => prisma.artifact.findUnique({ where: { jobId_name: { jobId, name } } }),
  };
}

export const artifactsRepositoryPlugin = fp(
  async (app) => {
    app.decorate('artifacts', createArtifactsRepository(app.prisma));
  },
  { name: 'anet-artifacts-repository', dependencies: ['anet-infrastructure'] },
);
