package com.acme.policy.commands;

import com.acme.command.bus.CommandHandler;
import com.acme.policy.domain.Policy;
import com.acme.policy.domain.PolicyRepository;
import com.acme.policy.kafka.EventPublisher;

import javax.inject.Singleton;
import javax.transaction.Transactional;

@Singleton
public class CreatePolicyHandler implements CommandHandler<CreatePolicyResult, CreatePolicyCommand> {

    private final PolicyRepository policyRepository;
    private final EventPublisher eventPublisher;

    public CreatePolicyHandler(PolicyRepository policyRepository, EventPublisher eventPublisher) {
        this.policyRepository = policyRepository;
        this.eventPublisher = eventPublisher;
    }

    @Transactional
    @Override
    public CreatePolicyResult handle(CreatePolicyCommand cmd) {
        Policy policy = new Policy();
        policyRepository.save(policy);
        eventPublisher.policyRegisteredEvent(policy.getNumber(), policy);
        return new CreatePolicyResult(policy.getNumber());
    }
}
